"""A stitched page in the report names the documents its sentences were copied from, when provenance ran."""

from __future__ import annotations

import re
from pathlib import Path

from gristmill.steps.registry import build_step
from tests.report.stitched_run import stitched_section


def test_a_stitched_page_lists_its_copied_from_documents(tmp_path: Path, shared_data: Path) -> None:
    steps = [build_step("provenance", {}), build_step("salad", {})]
    section = stitched_section(tmp_path, shared_data, steps, pages=3)
    assert "<h3>stitched" in section
    named = re.findall(r"source\d https://wiki\.example/\d \(\d+ sentences\)", section)
    assert len(set(named)) >= 3, named
