"""Word rarity reads wordfreq's English list itself (issue 16: a process's fixed cost)."""

from __future__ import annotations

import gzip
import math
import subprocess
import sys

import msgpack

from gristmill.text import content


def test_the_zipf_table_is_wordfreqs_to_the_last_bit() -> None:
    from wordfreq import get_frequency_dict

    expected = {w: math.log10(f) + 9.0 for w, f in get_frequency_dict("en").items() if f > 1e-8}
    found = content._zipf()
    assert len(found) == len(expected) > 300_000
    assert found == expected
    assert found["the"] > 7.5 and found["trotsky"] < 3.5


def test_judging_rarity_does_not_import_wordfreq() -> None:
    # wordfreq's import (langcodes, ftfy) and its frequency dict cost every process that judged a page
    # 0.23 CPU-s of the 0.31 its table took.
    script = (
        "import sys\nfrom gristmill.text.content import rarity\n"
        "rarity('revolution')\nprint('wordfreq' in sys.modules)\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_a_list_file_that_is_damaged_or_another_format_is_left_to_wordfreq(tmp_path, monkeypatch) -> None:
    from wordfreq import get_frequency_dict

    real = content._english_pack()
    assert real is not None
    packed = gzip.compress(msgpack.packb([{"format": "cB", "version": 1}, *real[:50]]))
    cut = tmp_path / "cut.msgpack.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    other = tmp_path / "other.msgpack.gz"
    other.write_bytes(gzip.compress(msgpack.packb([{"format": "cB", "version": 2}, ["the"]])))
    assert content._read_pack(cut) is None
    assert content._read_pack(other) is None
    assert content._read_pack(tmp_path / "missing.msgpack.gz") is None
    # With no list of its own the table is wordfreq's, as with one.
    monkeypatch.setattr(content, "_english_pack", lambda: None)
    content._zipf.cache_clear()
    try:
        expected = {w: math.log10(f) + 9.0 for w, f in get_frequency_dict("en").items() if f > 1e-8}
        assert content._zipf() == expected
    finally:
        content._zipf.cache_clear()
