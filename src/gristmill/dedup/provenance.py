"""Where copied text came from: which documents of the run hold each document's sentences.

Roles (``meta.provenance_role``), decided from sentence sets alone, so the input order never matters:

- ``stitched``: a page of ``min_sentences`` counted sentences or more, at least ``stitch_share`` of
  which stand in its *sources*, with sources beside the largest giving at least one sentence and a
  tenth of them. A source of a page holds the sentences they share inside more text of its own: a
  larger share of its sentences than the page's stand in no other document. A stitched page, made
  of copies, has hardly any text of its own, so it is never the source of its sources. Each copied
  sentence is credited to one source: one that is not itself stitched where one holds it, then the
  one sharing most with the page, then the one with most text of its own, then the lowest id hash
  (a page is also stitched when it is so by that credit alone). ``meta.copied_from`` names the sources
  credited, with the sentences credited to each and where in the page they stand (``spans``).
- ``mirror``: not stitched, and one other document that is not stitched holds ``mirror_share`` or
  more of its sentences: a whole copy, a syndicated article, an excerpt. ``meta.mirror_of`` names
  that document (most sentences, then id); two whole copies of one page are each other's mirrors.
- ``original``: a stitched page took sentences from it, or a mirror copied it; ``meta.copied_by``
  names them (sentences: all the two share).
- ``quotes``: shares some of its sentences with other documents but is none of the above: a page
  quoting a sentence or two, or quoted (which one quoted which, the corpus alone cannot tell).
- ``none``: shares none of its counted sentences with another document.

Only *counted* sentences take part: ``min_words`` words or more, held by at most ``max_docs``
documents (a sentence in more is site furniture — menus, footers, notices — not provenance). A
document's own text is its counted sentences that no other document holds, whole copies of it aside.

Phases (see :class:`~gristmill.steps.base.BarrierStep`):

- ``sign``: the distinct hashes of each document's counted sentences, bucketed by hash; per document
  the number of them and a hash of its id; the ids and urls of the shard.
- ``group``: per bucket, the documents holding each hash; for a hash held by 2 to ``max_docs``
  documents, one row per (holder, other holder) goes to the holder's shard; larger groups are furniture.
- ``join``, five passes of a task per part of the shards: pair counts (sentences two documents
  share), own text, stitched pages, their sources and mirrors, then every role and whom each
  document names. Each
  pass writes a few numbers per document of its shards; the next reads them for the documents its
  pairs point at, one other shard's file at a time, and a stitched page or a mirror tells the
  shard of the document it copied through a file partitioned by shard. No task holds the corpus.
- ``decide``: ``meta.provenance_role``; ``meta.copied_from`` (stitched: its sources; mirror: the
  documents holding most of it; quotes: the documents it shares sentences with; otherwise empty), a
  list of ``{"id", "url", "sentences"}`` (``url`` when the other document has ``meta.url``), most
  sentences first, then by id; ``meta.copied_by`` (same form) for originals; ``meta.mirror_of`` for
  mirrors; ``signals.copied_sentence_fraction`` (counted sentences found in another document /
  counted sentences). Every document goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
import orjson

from gristmill.dedup.components import nodes
from gristmill.dedup.exact import SIGNATURE
from gristmill.dedup.work import (
    MAX_BUCKETS,
    PartsWriter,
    bucket_windows,
    load_part,
    load_tables_from,
    remember_ids,
    save_buckets,
    save_parts,
    save_table,
)
from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.stats import StepContext
from gristmill.steps.base import BarrierStep
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text import hash64, sentence_spans
from gristmill.text.hashing import match_key_and_words

ROLES = ("none", "stitched", "mirror", "quotes", "original")
MIN_WORDS = 6  # the default of ``min_words`` (salad reads it too: gristmill.salad.sources)
NONE, STITCHED, MIRROR, QUOTES, ORIGINAL = range(len(ROLES))
# One sentence a document shares with another: its place, the sentence's hash, the other's place.
PAIR = np.dtype([("pos", "<u4"), ("hash", "<u8"), ("other_shard", "<u4"), ("other_pos", "<u4")])
# A document another one names in copied_from: the namer's position, the named one's place, shared sentences.
NAMED = np.dtype(
    [
        ("pos", "<u4"),
        ("other_shard", "<u4"),
        ("other_pos", "<u4"),
        ("sentences", "<u4"),
        ("mirror", "?"),  # the other holds mirror_share of this one
        ("by", "?"),  # the other copied from this one (copied_by), not the reverse (copied_from)
    ]
)
_POS = np.dtype("<u4")
# Each document's counted sentences, and the hash of its id (ties broken by it never hang on order).
COUNT = np.dtype([("sentences", "<u4"), ("id_hash", "<u8")])
# Sources beside the largest must give this share of a stitched page's copied sentences: a near
# copy of one page with a stray sentence found elsewhere is not a stitch.
_OTHER_SOURCES_SHARE = 0.1
# What the link's first passes find per document: counted sentences (furniture out), copied ones,
# and the counted sentences no other document holds (whole copies aside), also as a share.
COUNTED = np.dtype([("sentences", "<i4"), ("copied", "<i4")])
OWN = np.dtype([("own", "<i4"), ("own_share", "<f8")])
# What decide needs of each document of a shard.
VERDICT = np.dtype([("role", "u1"), ("copied", "<u4"), ("sentences", "<u4")])


@register("provenance")
class Provenance(BarrierStep):
    """Name, for every document, the documents of the run its sentences also stand in, and its role."""

    names_documents = True

    min_words: Annotated[
        int, Help("fewest words a sentence needs to count (shorter ones are too common to trace).", ge=1)
    ] = MIN_WORDS
    max_docs: Annotated[
        int, Help("a sentence held by more documents than this is furniture and does not count.", ge=2)
    ] = 20
    min_sentences: Annotated[
        int,
        Help(
            "fewest counted sentences a page needs to be called stitched (a short page"
            " of a site's template lines shared with its sister pages is not).",
            ge=1,
        ),
    ] = 5
    stitch_share: Annotated[
        float,
        Help(
            "share of a page's sentences that must come from two or more sources for it to be stitched.",
            gt=0,
            le=1,
        ),
    ] = 0.5
    mirror_share: Annotated[
        float,
        Help("share of a page's sentences one other document must hold for it to be a mirror.", gt=0, le=1),
    ] = 0.8
    buckets: Annotated[
        int,
        Help(
            "hash ranges the sentence hashes are spread over, a file each; the group phase's tasks"
            " (one per worker) merge their ranges as streams, about a million rows at a time.",
            ge=1,
            le=MAX_BUCKETS,
        ),
    ] = 16
    meta_fields: ClassVar[dict[str, FieldType]] = {
        "provenance_role": "str",
        "copied_from": "json",
        "mirror_of": "str",
        "copied_by": "json",
    }
    signal_fields: ClassVar[dict[str, FieldType]] = {"copied_sentence_fraction": "float"}
    # The link: five passes of a task per part of the shards (see ``join``).
    join_passes = 5

    def sentence_keys(self, text: str) -> set[int]:
        """Return the hashes of the sentences of ``text`` that count (``min_words`` words or more)."""
        return {key for _, _, key in self._counted(text)}

    def _counted(self, text: str) -> Iterator[tuple[int, int, int]]:
        """``(start, end, hash)`` of each sentence of ``text`` that counts (``min_words`` words or more)."""
        for start, end in sentence_spans(text):
            known = match_key_and_words(text[start:end])
            if known is not None and known[1] >= self.min_words:
                yield start, end, known[0]

    # -- sign -----------------------------------------------------------------------------------
    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Write one (hash, shard, position) row per counted sentence, bucketed; sizes, ids and urls."""
        hashes: list[int] = []
        positions: list[int] = []
        counts: list[tuple[int, int]] = []
        urls: list[str | None] = []
        for pos, doc in enumerate(remember_ids(docs, shard, work)):
            keys = self.sentence_keys(doc.text)
            hashes.extend(keys)
            positions.extend([pos] * len(keys))
            counts.append((len(keys), hash64(doc.id)))
            url = doc.meta.get("url")
            urls.append(url if isinstance(url, str) and url else None)
        rows = np.empty(len(hashes), SIGNATURE)
        rows["hash"] = np.array(hashes, np.uint64)
        rows["shard"] = shard
        rows["pos"] = np.array(positions, np.uint32)
        save_buckets(work, "sentences", shard, rows, "hash", self.buckets)
        save_table(work / f"counts-{shard:05d}.npy", np.array(counts, COUNT))
        (work / f"urls-{shard:05d}.json").write_bytes(orjson.dumps(urls))

    # -- group ----------------------------------------------------------------------------------
    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Pair the holders of each hash held by 2..max_docs documents; note furniture per holder."""
        with (
            PartsWriter(work / f"bucket-pairs-{bucket:03d}.npy", PAIR, shards) as pairs,
            PartsWriter(work / f"bucket-furniture-{bucket:03d}.npy", _POS, shards) as noise,
        ):
            # A hash held by more documents than a window (a site's footer) comes in pieces: only
            # its holders' positions are needed, and the last piece must know it is furniture.
            going_on: int | None = None
            windows = bucket_windows(
                work, "sentences", range(bucket, bucket + 1), shards, "hash", long_runs=self.max_docs
            )
            for rows in windows:
                found, furniture = self._window_pairs(rows, going_on)
                pairs.add(*found)
                noise.add(*furniture)
                going_on = int(rows["hash"].max()) if len(rows) else None
                # Not held while the merge reads the next window (a loop variable lives on till then).
                del rows, found, furniture

    def _window_pairs(
        self, rows: np.ndarray, going_on: int | None = None
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """One window's pair rows and furniture positions, each with the holder's shard.

        ``going_on``: the last hash of the window before, furniture here too if its run goes on.
        A window comes in shard then position order within a hash (as the merge gives it), so a
        stable sort on the hash alone is the (hash, shard, position) order. Runs are found on the
        sorted hashes and rows are picked only for runs of 2 or more: most sentences stand in one
        document, and a window can hold up to two windows' rows while a long run is handed over,
        so no table of a row's run is made for every row.
        """
        if len(rows) > self.max_docs or going_on is not None:
            key = rows["hash"][0]
            if (len(rows) > self.max_docs or key == going_on) and bool((rows["hash"] == key).all()):
                # A piece of a run longer than a window (a site's footer): all furniture, already in
                # shard then position order. Nothing to sort, no pair to make.
                no_pairs = (np.empty(0, PAIR), np.empty(0, np.uint32))
                return no_pairs, (rows["pos"].astype(np.uint32), rows["shard"])
        order = np.argsort(rows["hash"], kind="stable")
        keys = rows["hash"][order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else order[:0]
        first_key = int(keys[0]) if len(keys) else None
        del keys  # a window's worth: gone before the rows are picked
        sizes = np.diff(np.append(starts, len(order)))
        furniture = sizes > self.max_docs
        if going_on is not None and first_key == going_on:
            # The rest of a run the window before handed over in pieces: every piece was furniture.
            furniture[0] = True
        noise = order[np.repeat(furniture, sizes)]
        shared = (sizes > 1) & ~furniture
        start, size = starts[shared], sizes[shared]
        del starts, sizes, furniture, shared
        # Every ordered pair of holders of one hash: each row repeated once per member of its run.
        held = np.repeat(start, size) + _offsets(size)
        times = np.repeat(size, size)
        me = np.repeat(held, times)
        partner = np.repeat(np.repeat(start, size), times) + _offsets(times)
        other = partner != me
        me, partner = order[me[other]], order[partner[other]]
        table = np.empty(me.size, PAIR)
        table["pos"], table["hash"] = rows["pos"][me], rows["hash"][me]
        table["other_shard"], table["other_pos"] = rows["shard"][partner], rows["pos"][partner]
        return (table, rows["shard"][me]), (rows["pos"][noise].astype(np.uint32), rows["shard"][noise])

    # -- link: five passes of per-shard tasks ---------------------------------------------------
    def join(self, step: int, shards: range, total: int, work: Path) -> None:
        """Pass ``step`` of the link for ``shards``: each reads its shards' files and the others' few numbers.

        0: pair rows and counts; 1: own text, whole copies aside; 2: stitched pages; 3: whom they took
        from, and mirrors; 4: every role and whom each document names. A pass reads what the
        passes before wrote for the documents its pairs point at, one shard's file at a time.
        """
        passes = (self._gather, self._own, self._stitched, self._mirrors, self._name)
        for shard in shards:
            passes[step](work, shard, total)

    def _gather(self, work: Path, shard: int, total: int) -> None:
        """Join the shard's pair rows of every bucket; take furniture out of its sentence counts."""
        counts = np.load(work / f"counts-{shard:05d}.npy")
        noise = load_tables_from(
            (load_part(work / f"bucket-furniture-{b:03d}.npy", shard) for b in range(self.buckets)), _POS
        )
        state = np.empty(counts.size, COUNTED)
        state["sentences"] = counts["sentences"]
        state["sentences"] -= np.bincount(noise, minlength=counts.size).astype(np.int32)
        parts = (load_part(work / f"bucket-pairs-{b:03d}.npy", shard) for b in range(self.buckets))
        table = load_tables_from(parts, PAIR)
        table = table[np.lexsort((table["hash"], table["other_pos"], table["other_shard"], table["pos"]))]
        save_table(work / f"pairs-{shard:05d}.npy", table)
        state["copied"] = _distinct_per_pos(table, counts.size)
        save_table(work / f"counted-{shard:05d}.npy", state)

    def _own(self, work: Path, shard: int, total: int) -> None:
        """Count each document's own text: its sentences no other document holds, whole copies aside."""
        pairs = _Pairs(work, shard)
        whole = self._whole_copies(pairs)
        shared = _distinct_per_pos(pairs.rows[~whole[pairs.pair_of]], pairs.size)
        sentences = pairs.mine("counted", "sentences")
        state = np.empty(pairs.size, OWN)
        state["own"] = sentences - shared
        state["own_share"] = state["own"] / np.maximum(sentences, 1)
        save_table(work / f"own-{shard:05d}.npy", state)

    def _whole_copies(self, pairs: _Pairs) -> np.ndarray:
        """Per pair: whether each of the two holds ``mirror_share`` of the other's sentences."""
        mine = pairs.mine("counted", "sentences")[pairs.pos]
        theirs = pairs.theirs("counted", "sentences")
        return (pairs.shared >= self.mirror_share * mine) & (pairs.shared >= self.mirror_share * theirs)

    def _stitched(self, work: Path, shard: int, total: int) -> None:
        """Give each copied sentence of a page to one source; a page with two or more is stitched."""
        pairs = _Pairs(work, shard)
        covered, credit, _ = self._credit(pairs)
        role = np.zeros(pairs.size, np.uint8)
        role[self._stitched_by(pairs, covered, credit)] = STITCHED
        save_table(work / f"stitched-{shard:05d}.npy", role)

    def _stitched_by(self, pairs: _Pairs, covered: np.ndarray, credit: np.ndarray) -> np.ndarray:
        """Per document: stitched, given the copied sentences its sources hold and each pair's credit."""
        sentences = pairs.mine("counted", "sentences")
        largest = np.zeros(pairs.size, np.int64)
        np.maximum.at(largest, pairs.pos, credit)
        return (
            (sentences >= self.min_sentences)
            & (covered >= self.stitch_share * sentences)
            & (covered - largest >= np.maximum(1, _OTHER_SOURCES_SHARE * covered))
        )

    def _credit(
        self, pairs: _Pairs, stitched: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per document, the copied sentences its sources hold; per pair, those credited to it; the rows.

        The rows credited: one per copied sentence of a page, naming the source it is credited to.

        A source holds the shared sentences inside more text of its own than the copier has: a
        larger share of its sentences stand nowhere else (whole copies aside). A sentence goes to
        the source that shares most sentences with the page, then the one with the most text of its
        own, then the lowest id hash: a page quoting one sentence of an article that a stitched page
        took a run from is not named as that page's source. Given ``stitched`` (per pair, whether the
        other is a stitched page), a source that is not goes first: two stitched pages that took one
        run from an article both name the article, though they share more with each other.
        """
        own, own_share = pairs.theirs("own", "own"), pairs.theirs("own", "own_share")
        taker_share = pairs.mine("own", "own_share")[pairs.pos]
        source = ~self._whole_copies(pairs) & (own > 0) & (own_share > taker_share)
        pick = source[pairs.pair_of]
        rows, pair = pairs.rows[pick], pairs.pair_of[pick]
        id_hash = pairs.theirs("counts", "id_hash")
        keys = [id_hash[pair], -own_share[pair], -pairs.shared[pair]]
        if stitched is not None:
            keys.append(stitched[pair])
        order = np.lexsort((*keys, rows["hash"], rows["pos"]))
        rows, pair = rows[order], pair[order]
        first = np.ones(len(rows), bool)
        first[1:] = (rows["pos"][1:] != rows["pos"][:-1]) | (rows["hash"][1:] != rows["hash"][:-1])
        covered = np.bincount(rows["pos"][first], minlength=pairs.size)
        return covered, np.bincount(pair[first], minlength=pairs.pos.size), rows[first]

    def _mirrors(self, work: Path, shard: int, total: int) -> None:
        """Name each stitched page's sources; a page held mostly by one document not stitched is a mirror.

        Sources that are not stitched go first here, and a page may be found stitched only then.
        """
        pairs = _Pairs(work, shard)
        role = np.load(work / f"stitched-{shard:05d}.npy")
        theirs = pairs.theirs("stitched", None) == STITCHED
        covered, credit, credited = self._credit(pairs, theirs)
        # A page whose sentences a bigger stitched page also holds gave them all to that one; credited
        # to the articles first, it may be stitched from them after all.
        role[self._stitched_by(pairs, covered, credit)] = STITCHED
        # Which source each copied sentence of a stitched page is credited to, for decide's spans.
        save_table(work / f"credited-{shard:05d}.npy", credited[role[credited["pos"]] == STITCHED])
        taken = (credit > 0) & (role[pairs.pos] == STITCHED)
        table = np.empty(int(taken.sum()), NAMED)
        table["pos"], table["sentences"] = pairs.pos[taken], credit[taken]
        table["other_shard"], table["other_pos"] = pairs.other_shard[taken], pairs.other_pos[taken]
        table["mirror"], table["by"] = False, False
        save_table(work / f"sources-{shard:05d}.npy", table)
        pairs.tell_others(work / f"copied-by-sources-{shard:05d}.npy", taken, total)
        held = self._held(pairs) & (role[pairs.pos] != STITCHED) & ~theirs
        role[pairs.pos[held]] = MIRROR
        pairs.tell_others(work / f"copied-by-mirrors-{shard:05d}.npy", held, total)
        save_table(work / f"roles-{shard:05d}.npy", role)

    def _held(self, pairs: _Pairs, *, mine: bool = False) -> np.ndarray:
        """Per pair: whether the other holds ``mirror_share`` of this one (``mine``: the reverse)."""
        if mine:
            return pairs.shared >= self.mirror_share * pairs.theirs("counted", "sentences")
        return pairs.shared >= self.mirror_share * pairs.mine("counted", "sentences")[pairs.pos]

    def _name(self, work: Path, shard: int, total: int) -> None:
        """Settle the roles of the shard's other documents; write whom each names, and the verdicts."""
        pairs = _Pairs(work, shard)
        role = np.load(work / f"roles-{shard:05d}.npy")
        copied = pairs.mine("counted", "copied")
        copied_by = np.zeros(pairs.size, bool)
        for kind in ("sources", "mirrors"):  # what the other shards' passes said of this one's documents
            for other in range(total):
                copied_by[load_part(work / f"copied-by-{kind}-{other:05d}.npy", shard)] = True
        theirs = pairs.theirs("roles", None)
        undecided = role == NONE
        role[undecided & (copied > 0)] = QUOTES
        role[undecided & copied_by] = ORIGINAL
        mine = role[pairs.pos]
        held = self._held(pairs) & (theirs != STITCHED)
        copied_from = (held & (mine == MIRROR)) | (mine == QUOTES)
        copied_by_pair = (mine == ORIGINAL) & (
            (theirs == STITCHED) | ((theirs == MIRROR) & self._held(pairs, mine=True))
        )
        named = copied_from | copied_by_pair
        table = np.empty(int(named.sum()), NAMED)
        table["pos"] = pairs.pos[named]
        table["other_shard"], table["other_pos"] = pairs.other_shard[named], pairs.other_pos[named]
        table["sentences"], table["mirror"], table["by"] = (
            pairs.shared[named],
            held[named],
            copied_by_pair[named],
        )
        table = np.concatenate((np.load(work / f"sources-{shard:05d}.npy"), table))
        save_table(work / f"named-{shard:05d}.npy", table[np.argsort(table["pos"], kind="stable")])
        verdict = np.empty(pairs.size, VERDICT)
        verdict["role"], verdict["copied"] = role, copied
        verdict["sentences"] = pairs.mine("counted", "sentences")
        save_table(work / f"verdict-{shard:05d}.npy", verdict)

    # -- decide ---------------------------------------------------------------------------------
    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Write each document's role, the documents it copied from, and its copied share."""
        verdict = np.load(work / f"verdict-{shard:05d}.npy")
        named = np.load(work / f"named-{shard:05d}.npy")
        names = _names(work, named)
        bounds = np.searchsorted(named["pos"], np.arange(verdict.size + 1))
        credited = np.load(work / f"credited-{shard:05d}.npy")
        credited = credited[np.argsort(credited["pos"], kind="stable")]
        credited_bounds = np.searchsorted(credited["pos"], np.arange(verdict.size + 1))
        for pos, doc in enumerate(docs):
            role, copied, sentences = (int(v) for v in verdict[pos].tolist())
            mine = named[bounds[pos] : bounds[pos + 1]]
            spans = self._spans(doc.text, credited[credited_bounds[pos] : credited_bounds[pos + 1]])
            entries, mirror_of = _copied_from(mine[~mine["by"]], names, spans)
            doc.meta["provenance_role"] = ROLES[role]
            doc.meta["copied_from"] = entries
            for stale in ("mirror_of", "copied_by"):  # from an earlier provenance step, if any
                doc.meta.pop(stale, None)
            if role == MIRROR:
                doc.meta["mirror_of"] = mirror_of
            if role == ORIGINAL:
                doc.meta["copied_by"] = _copied_from(mine[mine["by"]], names)[0]
            doc.signals["copied_sentence_fraction"] = round(copied / sentences, 4) if sentences else 0.0
            yield doc

    def _spans(self, text: str, credited: np.ndarray) -> dict[tuple[int, int], list[list[int]]]:
        """Per source (its shard and position), the ``[start, end]`` of each page sentence credited to it."""
        if not credited.size:
            return {}
        source = {
            int(h): (int(sh), int(p))
            for h, sh, p in zip(credited["hash"], credited["other_shard"], credited["other_pos"], strict=True)
        }
        spans: dict[tuple[int, int], list[list[int]]] = {}
        for start, end, key in self._counted(text):
            if key in source:
                spans.setdefault(source[key], []).append([start, end])
        return spans


class _Pairs:
    """A shard's pair rows (sorted by position, then other document) and the pairs they make.

    It reads what the link's passes wrote per document, for this shard's documents and the others'.
    """

    def __init__(self, work: Path, shard: int) -> None:
        self._work, self._shard = work, shard
        self._mine: dict[str, np.ndarray] = {}
        rows = np.load(work / f"pairs-{shard:05d}.npy")
        self.rows = rows
        self.size = int(self.mine("counts", None).size)
        other = nodes(rows["other_shard"], rows["other_pos"])
        new = np.ones(len(rows), bool)
        new[1:] = (rows["pos"][1:] != rows["pos"][:-1]) | (other[1:] != other[:-1])
        starts = np.flatnonzero(new)
        self.pair_of = np.cumsum(new) - 1  # pair index of each row
        self.shared = np.diff(np.append(starts, len(rows))).astype(np.int64)
        self.pos = rows["pos"][starts].astype(np.int64)
        self.other_shard = rows["other_shard"][starts]
        self.other_pos = rows["other_pos"][starts]

    def mine(self, name: str, field: str | None) -> np.ndarray:
        """Per document of this shard: ``field`` of its file ``name-SSSSS.npy`` (None: the whole table)."""
        if name not in self._mine:
            self._mine[name] = np.load(self._work / f"{name}-{self._shard:05d}.npy")
        table = self._mine[name]
        return table if field is None else table[field]

    def theirs(self, name: str, field: str | None) -> np.ndarray:
        """Per pair: ``field`` of the other document, reading each other shard's file in turn."""
        out = np.empty(self.pos.size, self.mine(name, field).dtype)
        order = np.argsort(self.other_shard, kind="stable")
        shards = self.other_shard[order]
        cuts = np.flatnonzero(np.diff(shards)) + 1
        for chunk in np.split(order, cuts) if order.size else []:
            other = int(self.other_shard[chunk[0]])
            own = other == self._shard
            table = self.mine(name, None) if own else np.load(self._work / f"{name}-{other:05d}.npy")
            out[chunk] = (table if field is None else table[field])[self.other_pos[chunk]]
        return out

    def tell_others(self, path: Path, which: np.ndarray, total: int) -> None:
        """Write the other ends of the pairs ``which`` picks, one part per shard, for that shard to read."""
        save_parts(path, self.other_pos[which].astype(_POS), self.other_shard[which], total)


def _distinct_per_pos(rows: np.ndarray, size: int) -> np.ndarray:
    """The number of distinct hashes per position among ``rows``."""
    order = np.lexsort((rows["hash"], rows["pos"]))
    pos, hashes = rows["pos"][order], rows["hash"][order]
    new = np.ones(len(rows), bool)
    new[1:] = (pos[1:] != pos[:-1]) | (hashes[1:] != hashes[:-1])
    return np.bincount(pos[new], minlength=size).astype(np.int32)


def _copied_from(
    named: np.ndarray,
    names: dict[tuple[int, int], tuple[str, str | None]],
    spans: dict[tuple[int, int], list[list[int]]] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Return a document's ``copied_from`` entries (most sentences, then id) and the best whole copy.

    A stitched page's entries carry the ``spans`` of the sentences credited to each source.
    """
    rows = named.tolist()  # (pos, other_shard, other_pos, sentences, mirror, by)
    found = [(n, *names[shard, pos], whole, (shard, pos)) for _, shard, pos, n, whole, _ in rows]
    found.sort(key=lambda f: (-f[0], f[1]))
    entries: list[dict[str, Any]] = []
    for count, doc_id, url, _, where in found:
        entry: dict[str, Any] = {"id": doc_id, "sentences": count}
        if url is not None:
            entry["url"] = url
        if spans and where in spans:
            entry["spans"] = spans[where]
        entries.append(entry)
    return entries, next((f[1] for f in found if f[3]), None)


def _names(work: Path, named: np.ndarray) -> dict[tuple[int, int], tuple[str, str | None]]:
    """The (id, url) of every document ``named`` points at, reading each shard's names once."""
    found: dict[tuple[int, int], tuple[str, str | None]] = {}
    for shard in np.unique(named["other_shard"]).tolist():
        ids = orjson.loads((work / f"ids-{shard:05d}.json").read_bytes())
        urls = orjson.loads((work / f"urls-{shard:05d}.json").read_bytes())
        for pos in np.unique(named["other_pos"][named["other_shard"] == shard]).tolist():
            found[shard, pos] = (ids[pos], urls[pos])
    return found


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """0 .. size - 1 for each of ``sizes``, one after another."""
    return np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
