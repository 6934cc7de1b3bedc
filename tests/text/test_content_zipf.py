"""Word rarity reads wordfreq's English list itself (issue 16: a process's fixed cost)."""

from __future__ import annotations

import math
import subprocess
import sys

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
