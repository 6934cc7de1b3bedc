"""Deduplication steps (barriers that see the whole corpus). Importing this registers them."""

from gristmill.dedup.exact import ExactDedup

__all__ = ["ExactDedup"]
