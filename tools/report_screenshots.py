"""Take the screenshots of a run's report.html that docs/report.md shows, at desktop width.

    python tools/report_screenshots.py out/demo/report.html docs/

Each screenshot is one part of the page (the top with the funnel, gopher_quality's signals, the
languages and hosts, the first stitched page) rendered alone in headless chromium, 1280 x 1000 pixels.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WIDTH, HEIGHT = 1280, 1000
SIGNALS_OF = "gopher_quality"


def _between(page: str, start: str, *ends: str) -> str:
    """The part of ``page`` from ``start`` up to the first of ``ends`` after it (or the end)."""
    at = page.index(start)
    stops = [i for i in (page.find(end, at + len(start)) for end in ends) if i > 0]
    return page[at : min(stops, default=len(page))]


def parts(page: str) -> dict[str, str]:
    """The HTML of each screenshot, by file name: the page's head with one part of its body."""
    head, body = page.split("<body>", 1) if "<body>" in page else page.split("</style>", 1)
    head = head + ("<body>" if "<body>" in page else "</style>")
    signals = _between(body, "<h2 id=s-signals>", "<h3>")
    step = re.search(rf"<h3>\d+\. {SIGNALS_OF}</h3>", body)
    if step is not None:
        signals += _between(body, step.group(0), "<h3>", "<h2")
    return {
        "report-funnel.png": page,
        "report-signals.png": head + signals,
        "report-languages.png": head + _between(body, "<h2 id=s-languages>", "<h2"),
        "report-stitched.png": head + _between(body, "<h2 id=s-stitched>", "<h2"),
    }


def main(report: Path, folder: Path) -> None:
    """Write the screenshots of ``report`` into ``folder``."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("report_screenshots.py: chromium is missing: run `make chromium` first")
    with tempfile.TemporaryDirectory() as tmp:
        for name, html in parts(report.read_text(encoding="utf-8")).items():
            source = Path(tmp) / name.replace(".png", ".html")
            source.write_text(html, encoding="utf-8")
            command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
            command += [f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={folder / name}", source.as_uri()]
            subprocess.run(command, capture_output=True, check=True, timeout=180)
            print(folder / name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
