"""Deduplication steps (barriers that see the whole corpus), each imported when first used."""

from typing import TYPE_CHECKING

from gristmill.lazy import lazy_attributes

if TYPE_CHECKING:
    from gristmill.dedup.exact import ExactDedup
    from gristmill.dedup.minhash import MinhashDedup
    from gristmill.dedup.provenance import Provenance
    from gristmill.dedup.spans import SpanDedup

__all__ = ["ExactDedup", "MinhashDedup", "Provenance", "SpanDedup"]

# Each public name's module, imported when the name is first used.
_HOMES = {
    "ExactDedup": "gristmill.dedup.exact",
    "MinhashDedup": "gristmill.dedup.minhash",
    "Provenance": "gristmill.dedup.provenance",
    "SpanDedup": "gristmill.dedup.spans",
}
__getattr__ = lazy_attributes(__name__, _HOMES)
