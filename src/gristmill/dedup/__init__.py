"""Deduplication steps (barriers that see the whole corpus). Importing this registers them."""

from gristmill.dedup.exact import ExactDedup
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.provenance import Provenance
from gristmill.dedup.spans import SpanDedup

__all__ = ["ExactDedup", "MinhashDedup", "Provenance", "SpanDedup"]
