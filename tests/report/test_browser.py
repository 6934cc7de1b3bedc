"""The demo's report.html in a browser: it draws, logs nothing to the console, shows stats.json's figures.

Chromium is Debian's ``chromium`` package, installed by ``tools/install_chromium.sh`` when missing (as
``make chromium`` does); the tests skip, saying why, only where it cannot be installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gristmill.cli import cli
from tests.helpers import REPO
from tests.report.helpers import check_funnel_against_stats
from tests.report.png import read_png


@pytest.fixture(scope="module")
def chromium() -> str:
    """The path of chromium, installed first when missing."""
    found = shutil.which("chromium")
    if found is None:
        done = subprocess.run(
            ["sh", str(REPO / "tools" / "install_chromium.sh")], capture_output=True, text=True, timeout=900
        )
        found = shutil.which("chromium")
        if found is None:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            pytest.skip(f"chromium is missing and tools/install_chromium.sh could not install it: {last}")
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of ``gristmill demo``, report included."""
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def _browse(chromium: str, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    command += ["--enable-logging=stderr", "--v=0", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def _console(log: str) -> list[str]:
    """The page's console messages in chromium's log (the report runs no script: any is a fault)."""
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def test_the_console_check_sees_a_blocked_load(chromium: str, tmp_path: Path) -> None:
    # The report's policy blocks any load; the console says so, and the check below would catch it.
    page = tmp_path / "page.html"
    head = (REPO / "src/gristmill/report/templates/report.html.j2").read_text().split("<title>")[0]
    page.write_text(head + '<p>x</p><img src="https://example.org/x.png">', encoding="utf-8")
    messages = _console(_browse(chromium, page, "--dump-dom").stderr)
    assert any("Content Security Policy" in m for m in messages), messages


def test_the_demo_report_draws_without_console_errors(chromium: str, demo: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _browse(chromium, demo / "report.html", "--window-size=1280,1000", f"--screenshot={shot}")
    assert _console(done.stderr) == []
    image = read_png(shot)[..., :3]
    assert image.shape[:2] == (1000, 1280)
    # Not blank: text and bars cover part of the page, in several colours.
    inked = (image.min(axis=2) < 200).mean()
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    assert inked > 0.01 and colours > 50, (inked, colours)
    assert ((image[..., 2] > 150) & (image[..., 0] < 100)).any(), "the funnel's blue bars show"


def test_the_funnel_the_browser_shows_is_stats_json(chromium: str, demo: Path) -> None:
    done = _browse(chromium, demo / "report.html", "--dump-dom")
    assert _console(done.stderr) == []
    stats = json.loads((demo / "stats.json").read_text())
    check_funnel_against_stats(done.stdout, stats)
