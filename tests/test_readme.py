"""The README's Python example, saved as a script as a user would, runs."""

import subprocess
import sys

from tests.helpers import REPO, write_jsonl


def test_the_readme_python_example_runs_as_a_script(tmp_path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "crawl").mkdir()
    for part in range(3):
        records = [{"id": f"{part}-{i}", "text": f"Page {i % 5} of the crawl. " * 20} for i in range(10)]
        write_jsonl(tmp_path / "crawl" / f"{part}.jsonl.gz", records)
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'read': 30, 'created': 0, 'kept': 5, 'rejected': 25, 'quarantined': 0}"
