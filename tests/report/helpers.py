"""Reading a rendered report back: the funnel's figures as the page shows them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Funnel(HTMLParser):
    """Collects the text of every ``td[data-k]`` in the rows of ``table#funnel``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, dict[str, str]]] = []
        self._in_table = False
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id") == "funnel":
            self._in_table = True
        elif self._in_table and tag == "tr" and "data-step" in found:
            self.rows.append((str(found["data-step"]), {}))
        elif self._in_table and tag == "td" and "data-k" in found and self.rows:
            self._key = found["data-k"]
            self.rows[-1][1][str(self._key)] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        if tag == "td":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._key is not None and self.rows:
            self.rows[-1][1][self._key] += data


def funnel_rows(html: str) -> list[tuple[str, dict[str, str]]]:
    """The funnel's rows: the step name and each figure's text (``docs``, ``chars``, ``dropped`` …)."""
    parser = _Funnel()
    parser.feed(html)
    return parser.rows


def as_number(text: str) -> int:
    """A figure as the report writes it (``1,234``, maybe with a note after it), or 0 when blank."""
    head = text.strip().split(" ")[0].replace(",", "")
    return int(head) if head.lstrip("-").isdigit() else 0


def check_funnel_against_stats(html: str, stats: dict[str, Any]) -> None:
    """Assert that every figure of the funnel is the one ``stats.json`` holds."""
    rows = funnel_rows(html)
    steps = stats["steps"]
    assert [name for name, _ in rows] == ["in"] + [s["name"] for s in steps]
    assert as_number(rows[0][1]["docs"]) == steps[0]["in"]
    assert as_number(rows[0][1]["chars"]) == steps[0]["chars_in"]
    for (_, shown), step in zip(rows[1:], steps, strict=True):
        assert as_number(shown["docs"]) == step["out"], (step["name"], shown)
        assert as_number(shown["chars"]) == step["chars_out"], (step["name"], shown)
        assert as_number(shown["dropped"]) == sum(step["dropped"].values()), (step["name"], shown)
        if step["dropped"]:
            assert as_number(shown["chars_dropped"]) == step["chars_dropped"]
        if step.get("errors"):
            assert f"{step['errors']:,} quarantined" in shown["dropped"], (step["name"], shown)
        if step["changed"]:
            assert as_number(shown["changed"]) == step["changed"]
            assert as_number(shown["chars_removed"]) == step["chars_removed"]
            assert as_number(shown["lines_removed"]) == step.get("lines_removed", 0)
        if "tokens_out" in step:
            assert as_number(shown["tokens"]) == step["tokens_out"]
    assert as_number(rows[-1][1]["docs"]) == stats["totals"]["kept"]
