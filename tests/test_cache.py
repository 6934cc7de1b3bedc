"""The per-user cache: tests keep it in a temporary folder, and a run writes where XDG_CACHE_HOME says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gristmill.cache import user_cache
from tests.helpers import write_jsonl, write_pipeline


def test_the_tests_never_write_the_real_user_cache() -> None:
    # conftest points XDG_CACHE_HOME at a temporary folder for the whole session.
    assert not user_cache("report").is_relative_to(Path.home())
    assert not user_cache("staging").is_relative_to(Path.home())


def test_a_run_writes_its_cache_under_xdg_cache_home_not_home(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", [{"id": "a", "text": "A document long enough to keep. " * 4}])
    spec = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{corpus}'}}\noutput: {{path: '{tmp_path / 'out'}'}}\n"
        "steps:\n  - length_filter: {min_chars: 10}\n",
    )
    home, cache = tmp_path / "home", tmp_path / "fresh-cache"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "gristmill", "run", str(spec), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    assert list((cache / "gristmill" / "report").iterdir())  # the report's compiled template
    assert not list(home.iterdir())
