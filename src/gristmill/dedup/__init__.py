"""Deduplication steps (barriers that see the whole corpus). Importing this registers them."""

from gristmill.dedup.exact import ExactDedup
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.spans import SpanDedup

__all__ = ["ExactDedup", "MinhashDedup", "SpanDedup"]
