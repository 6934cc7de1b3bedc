"""Steps from outside gristmill: `imports:` in the pipeline, and installed packages' entry points."""

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import read_all, write_jsonl, write_pipeline

STEP_MODULE = '''
from gristmill import Filter, register


@register("url_blocklist")
class UrlBlocklist(Filter):
    """Drop documents from blocked hosts.

    Options:
        hosts: hosts whose pages are dropped.
    """

    def __init__(self, *, hosts: list[str]) -> None:
        self.hosts = hosts

    def keep(self, doc):
        return "blocked" if any(h in doc.meta.get("url", "") for h in self.hosts) else True
'''


def gristmill(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gristmill", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def corpus(folder: Path) -> Path:
    for part in range(2):
        records = [
            {
                "id": f"{part}-{i}",
                "text": f"Page {i}.",
                "meta": {"url": f"https://{'bad' if i % 2 else 'ok'}.org/{i}"},
            }
            for i in range(10)
        ]
        write_jsonl(folder / f"in-{part}.jsonl", records)
    return folder


def plugin_project(tmp_path: Path) -> tuple[Path, Path]:
    """A project folder holding my_steps.py and a pipeline importing it, over the corpus in ``tmp_path``."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "my_steps.py").write_text(STEP_MODULE)
    src = corpus(tmp_path)
    config = write_pipeline(
        project / "custom.yaml",
        f"imports: [my_steps]\ninput: {src}/*.jsonl\noutput: {tmp_path}/out\n"
        "steps:\n  - url_blocklist: {hosts: [bad.org]}\n",
    )
    return project, config


def test_a_module_named_under_imports_beside_the_yaml_runs_from_the_cli(tmp_path) -> None:
    _, config = plugin_project(tmp_path)
    done = gristmill("run", str(config), "-w", "2", cwd=tmp_path)  # not the project folder
    assert done.returncode == 0, done.stderr
    assert "read 20  kept 10  rejected 10" in done.stdout
    assert {d["meta"]["reason"] for d in read_all(tmp_path / "out/rejected")} == {"url_blocklist:blocked"}
    assert (tmp_path / "out/pipeline.yaml").read_text().startswith("imports:\n- my_steps\n")
    listed = gristmill("steps", "--pipeline", str(config), cwd=tmp_path)
    assert "url_blocklist (my_steps.UrlBlocklist): Drop documents from blocked hosts." in listed.stdout
    assert "    hosts (list[str], required): hosts whose pages are dropped." in listed.stdout


def test_an_import_that_fails_is_one_line(tmp_path, run_cli) -> None:
    config = write_pipeline(
        tmp_path / "p.yaml", f"imports: [no_such_steps]\ninput: {tmp_path}\noutput: {tmp_path}/o\n"
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert (
        result.output
        == "gristmill: error: imports: cannot import 'no_such_steps': No module named 'no_such_steps'\n"
    )


def test_an_installed_plugin_registers_its_steps_through_the_entry_point(tmp_path) -> None:
    # An installed distribution is a package beside a .dist-info folder: what `pip install` writes.
    site = tmp_path / "site"
    (site / "shout_plugin").mkdir(parents=True)
    (site / "shout_plugin/__init__.py").write_text(
        "from gristmill import Transform\n\n\n"
        "class Shout(Transform):\n"
        '    """Upper-case the text."""\n\n'
        "    def transform(self, doc):\n"
        "        doc.text = doc.text.upper()\n"
        "        return doc\n"
    )
    info = site / "shout_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[gristmill.steps]\nshout = shout_plugin:Shout\n")
    env = {"PYTHONPATH": str(site)}
    assert (
        "shout (shout_plugin.Shout): Upper-case the text." in gristmill("steps", cwd=tmp_path, env=env).stdout
    )
    src = corpus(tmp_path)
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {src}/*.jsonl\noutput: {tmp_path}/out\nsteps: [shout]\n"
    )
    done = gristmill("run", str(config), "-w", "2", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert {d["text"] for d in read_all(tmp_path / "out/kept")} >= {"PAGE 1.", "PAGE 9."}


def test_a_rerun_after_a_plugin_steps_code_changed_is_refused(tmp_path) -> None:
    # The pipeline is the same but the step is not: finished shards hold the old code's output, and a
    # resume would add the new code's (or, finished, do nothing) without a word.
    project, config = plugin_project(tmp_path)
    assert gristmill("run", str(config), cwd=tmp_path).returncode == 0
    assert gristmill("run", str(config), cwd=tmp_path).returncode == 0  # unchanged: a finished run
    (project / "my_steps.py").write_text(STEP_MODULE.replace('"blocked"', '"host_blocked"'))
    again = gristmill("run", str(config), cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr == (
        f"gristmill: error: output: '{tmp_path}/out' holds a run made with other code for steps[0] "
        f"(url_blocklist, {project}/my_steps.py): pass --overwrite (overwrite=True in Python) to start "
        "again, or choose another output folder\n"
    )
    done = gristmill("run", str(config), "--overwrite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    reasons = {d["meta"]["reason"] for d in read_all(tmp_path / "out/rejected")}
    assert reasons == {"url_blocklist:host_blocked"}
    # A helper beside the class changes what the step does as much: the module is what is compared.
    (project / "my_steps.py").write_text((project / "my_steps.py").read_text() + "\nLIMIT = 500\n")
    assert gristmill("run", str(config), cwd=tmp_path).returncode == 2


def test_inspect_on_a_plugin_runs_output_names_the_pipeline_to_pass(tmp_path) -> None:
    # The run's pipeline.yaml names its plugins by module; they live beside the pipeline file, not the run.
    _, config = plugin_project(tmp_path)
    assert gristmill("run", str(config), cwd=tmp_path).returncode == 0
    shard = next((tmp_path / "out" / "rejected").glob("*.jsonl*"))
    target = f"{shard}#0-1"
    shown = gristmill("inspect", target, cwd=tmp_path)
    assert shown.returncode == 2 and shown.stderr.count("\n") == 1
    assert f"inspect takes the steps of {tmp_path / 'out'}: pass --pipeline with its file" in shown.stderr
    shown = gristmill("inspect", target, "--pipeline", str(config), cwd=tmp_path)
    assert shown.returncode == 0 and "url_blocklist:blocked" in shown.stdout


def test_a_plugin_step_whose_setup_raises_is_one_line_naming_the_step(tmp_path) -> None:
    # A model file not where the step looks: the most common plugin mistake, not a traceback.
    (tmp_path / "model_steps.py").write_text(
        "from gristmill import Filter, register\n\n\n"
        '@register("needs_model")\n'
        "class NeedsModel(Filter):\n"
        "    def setup(self):\n"
        '        open("/nonexistent/model.bin")\n\n'
        "    def keep(self, doc):\n"
        "        return True\n"
    )
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"imports: [model_steps]\ninput: {corpus(tmp_path)}/*.jsonl\noutput: {tmp_path}/out\n"
        "steps:\n  - length_filter: {}\n  - needs_model: {}\n",
    )
    line = (
        f"gristmill: error: {config}: step 'needs_model' (steps[1]): setup failed: FileNotFoundError: "
        "[Errno 2] No such file or directory: '/nonexistent/model.bin'\n"
    )
    done = gristmill("run", str(config), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, line)
    (tmp_path / "page.txt").write_text("A page of text.\n")
    shown = gristmill("inspect", "page.txt", "--pipeline", str(config), cwd=tmp_path)
    assert (shown.returncode, shown.stderr) == (2, line)


def test_a_plugin_cannot_take_the_name_of_a_built_in_step(tmp_path) -> None:
    # A plugin's `normalize` would replace the built-in one without a word, imported before it is.
    (tmp_path / "clash.py").write_text(
        "from gristmill import Transform, register\n\n\n"
        '@register("normalize")\n'
        "class Mine(Transform):\n"
        "    def transform(self, doc):\n"
        "        return doc\n"
    )
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"imports: [clash]\ninput: {corpus(tmp_path)}/*.jsonl\noutput: {tmp_path}/out\nsteps: [normalize]\n",
    )
    done = gristmill("run", str(config), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2,
        "gristmill: error: imports: 'clash': step name 'normalize' is taken by gristmill.steps.normalize"
        ".Normalize; clash.Mine cannot be registered under it too: register it under another name\n",
    )
    assert not (tmp_path / "out").exists()
