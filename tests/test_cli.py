import json
import os
import re
from pathlib import Path

import pytest

from gristmill.pipeline import Pipeline
from tests.helpers import NO_STEPS, REPO, SEED, write_pipeline


def test_run_prints_totals_and_writes_outputs(run_cli, make_corpus, tmp_path) -> None:
    src = make_corpus(shards=2, docs=10)
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{src}'}}\noutput: {{path: '{tmp_path}/out'}}\n"
        "steps:\n  - length_filter: {min_chars: 60}\n",
    )
    result = run_cli("run", str(config), "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("read 20  kept ")
    assert (tmp_path / "out/stats.json").exists() and (tmp_path / "out/report.html").exists()


def test_config_error_is_one_line_with_exit_code_2(run_cli, tmp_path) -> None:
    config = write_pipeline(tmp_path / "p.yaml", "input: x.jsonl\noutput: out\nsteps:\n  - normalise: {}\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        "gristmill: error: unknown step 'normalise'; did you mean 'normalize'? "
        "(`gristmill steps` lists them)\n"
    )


def test_missing_input_and_missing_pipeline_file_are_one_line(run_cli, tmp_path) -> None:
    config = write_pipeline(tmp_path / "p.yaml", f"input: {tmp_path}/none/*.jsonl\noutput: {tmp_path}/out\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "matches no file" in result.output
    result = run_cli("run", str(tmp_path / "absent.yaml"))
    assert result.exit_code == 2 and "cannot read the pipeline file" in result.output


def test_truncated_input_exits_non_zero_naming_the_file(run_cli, shared_data, tmp_path) -> None:
    clipped = shared_data / "warc/resiliparse/clipped.warc.gz"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {clipped}\noutput: {tmp_path}/out\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 1
    assert f"gristmill: error: {clipped}: truncated at byte" in result.output
    assert "quarantined 1" in result.output


def test_every_shared_warc_file_gives_output_or_a_clear_error(run_cli, shared_data, tmp_path) -> None:
    files = sorted(
        p for p in (shared_data / "warc").rglob("*") if p.is_file() and p.suffix not in (".md", "")
    )
    assert len(files) > 15
    for i, path in enumerate(files):
        config = write_pipeline(
            tmp_path / f"p{i}.yaml", f"input: {{path: '{path}', format: warc}}\noutput: {tmp_path}/out{i}\n"
        )
        result = run_cli("run", str(config))  # an exception here fails the test: no tracebacks
        assert result.exit_code in (0, 1), (path, result.output)
        if result.exit_code == 1:
            assert str(path) in result.output, result.output


def test_steps_lists_options_with_defaults_and_help(run_cli) -> None:
    result = run_cli("steps")
    assert result.exit_code == 0
    assert "length_filter (gristmill.LengthFilter): Drop documents shorter than" in result.output
    assert "    min_chars (int, default 1): fewest characters a kept document has." in result.output
    assert "    pattern (str, required):" in result.output


def test_inspect_json_shape_on_the_seed(run_cli) -> None:
    result = run_cli("inspect", str(SEED), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"id", "signals", "sentences", "verdict"}
    texts = [s["text"] for s in data["sentences"]]
    assert "Breaking Down Stalin vs. Trotsky." in texts
    assert sum("(formerly St. Petersburg)" in t for t in texts) == 1
    assert all(set(s) == {"i", "text", "flags"} for s in data["sentences"])
    assert data["verdict"] == "kept"


def test_inspect_text_output(run_cli) -> None:
    result = run_cli("inspect", str(SEED))
    assert result.exit_code == 0
    assert "verdict   kept" in result.output and "minhash_dedup        skipped" in result.output


def test_report_on_a_folder_without_a_run(run_cli, tmp_path) -> None:
    result = run_cli("report", str(tmp_path))
    assert result.exit_code == 2 and "no stats.json here" in result.output  # a mistake of the command line
    result = run_cli("report", "s3://crawl/out")  # no local folder "s3:/crawl/out" to look for
    assert result.exit_code == 2
    assert result.output == (
        "gristmill: error: s3://crawl/out: gristmill report reads a local run folder; a run on object "
        "storage writes its report beside its outputs (report.html there)\n"
    )


def test_demo_runs_on_the_bundled_samples(run_cli, tmp_path: Path) -> None:
    from gristmill.cli import demo_pipeline, mark_demo_run
    from gristmill.steps.normalize import Normalize

    # An earlier demo's run (another version's steps, marked as the demo's) in the folder: the demo
    # replaces it, as `make demo` run twice, or after an update, does.
    earlier = demo_pipeline(str(tmp_path / "demo"))
    Pipeline(input=earlier.input, output=earlier.output, steps=[Normalize()]).run(workers=1)
    mark_demo_run(tmp_path / "demo")
    result = run_cli("demo", "--out", str(tmp_path / "demo"), "--workers", "1")
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "demo/stats.json").read_text())
    assert stats["totals"]["read"] == 317  # 300 web documents, the seed page, 16 WARC responses
    assert stats["totals"]["read"] == sum(v for k, v in stats["totals"].items() if k != "read")
    assert [step["name"] for step in stats["steps"]][-1] == "minhash_dedup"
    assert (tmp_path / "demo/report.html").stat().st_size > 1000


def test_demo_refuses_a_folder_of_other_files_or_another_pipelines_run_without_overwrite(
    run_cli, make_corpus, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    (mine / "kept").mkdir(parents=True)
    (mine / "kept/my_corpus.jsonl").write_text("precious\n")
    result = run_cli("demo", "--out", str(mine), "--workers", "1")
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: '{mine}' holds files but no gristmill run (kept); choose an empty or "
        "new folder, or pass --overwrite (overwrite=True in Python) to delete kept there and write the "
        "run beside the rest\n"
    )
    assert (mine / "kept/my_corpus.jsonl").read_text() == "precious\n"
    other = tmp_path / "other"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {make_corpus(shards=1, docs=5)}\noutput: {other}\n")
    assert run_cli("run", str(config)).exit_code == 0
    stats = (other / "stats.json").read_bytes()
    result = run_cli("demo", "--out", str(other), "--workers", "1")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"output: '{other}' holds the run of a different pipeline (" in result.output
    assert (other / "stats.json").read_bytes() == stats
    result = run_cli("demo", "--out", str(mine), "--workers", "1", "--overwrite")
    assert result.exit_code == 0, result.output
    assert not (mine / "kept/my_corpus.jsonl").exists()


def test_demo_refuses_a_users_run_of_the_samples_with_other_steps(run_cli, tmp_path: Path) -> None:
    # README suggests running an edited copy of demo.yaml: its run reads the demo's samples but is not
    # the demo's, and the demo must not delete it (a review found it did).
    from gristmill.cli import demo_pipeline
    from gristmill.steps.normalize import Normalize

    mine = tmp_path / "mine"
    demo = demo_pipeline(str(mine))
    Pipeline(input=demo.input, output=demo.output, steps=[Normalize()]).run(workers=1)
    config = (mine / "_state/pipeline.json").read_bytes()
    result = run_cli("demo", "--out", str(mine), "--workers", "1")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert f"output: '{mine}' holds the run of a different pipeline (" in result.output
    assert (mine / "_state/pipeline.json").read_bytes() == config
    # The demo's steps with another output format are the user's run too (a second review).
    parquet = tmp_path / "parquet"
    demo = demo_pipeline(str(parquet))
    output = {"path": str(parquet), "format": "parquet"}
    Pipeline(input=demo.input, output=output, steps=demo.steps).run(workers=1)
    result = run_cli("demo", "--out", str(parquet), "--workers", "1")
    assert result.exit_code == 2, result.output
    assert list((parquet / "kept").glob("*.parquet"))


def test_the_demo_pipeline_file_reads_the_samples_when_run_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `gristmill run src/gristmill/samples/demo.yaml` reads from the root, where README's commands run.
    from gristmill.cli import demo_pipeline
    from gristmill.config import load_pipeline

    def files(pipeline: Pipeline) -> list[str]:
        return [os.path.abspath(f) for shard in pipeline.input.shards() for f in shard.files]

    monkeypatch.chdir(REPO)
    from_file = load_pipeline("src/gristmill/samples/demo.yaml")
    command = demo_pipeline(str(tmp_path / "demo"))
    assert len(files(from_file)) == 3 and files(from_file) == files(command)  # web sample, WARC, seed page
    assert from_file.output.path == "out/demo"
    assert from_file.to_config()["steps"] == command.to_config()["steps"]


def test_inspect_flags_every_fault_of_the_seed_that_the_demo_steps_see(run_cli) -> None:
    data = json.loads(run_cli("inspect", str(SEED), "--json").output)
    flagged = [(s["text"], s["flags"]) for s in data["sentences"] if s["flags"]]

    def flags_of(start: str) -> list[str]:
        return [f for text, flags in flagged if text.startswith(start) for f in flags]

    assert "boilerplate_lines:copyright" in flags_of("© 2020 A&E Television Networks, LLC.")
    assert "boilerplate_lines:newsletter" in flags_of("Sign up now to learn about")
    assert "pii:address" in flags_of('", 945 Magazine Street')
    assert "repeated_in_document" in flags_of("Leon Trotsky, a leader of the Bolshevik")
    assert "salad:orphan_opening" in flags_of("And he could do so")
    assert "salad:furniture=seam" in flags_of("The victory secured central Arkansas")
    assert any(f.startswith("salad:verdict=stitched(") for f in flags_of("And he could do so"))
    assert not any(f.startswith("lang:") for _, flags in flagged for f in flags)  # an English page


def test_demo_report_lists_the_seed_as_a_stitched_page(run_cli, tmp_path: Path) -> None:
    assert run_cli("demo", "--out", str(tmp_path / "demo"), "--workers", "1").exit_code == 0
    html = (tmp_path / "demo/report.html").read_text()
    section = html.split(">Stitched pages</h2>", 1)[1].split("<h2", 1)[0]
    assert "000_13132f2b62ae2e4d.txt" in section


def test_a_usage_mistake_on_the_command_line_is_one_line_and_exit_2(tmp_path) -> None:
    import subprocess
    import sys

    for args in (["run", "p.yaml", "--bogus"], ["run"], ["inspect", str(tmp_path)], ["nosuch"]):
        done = subprocess.run([sys.executable, "-m", "gristmill", *args], capture_output=True, text=True)
        assert done.returncode == 2, args
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("gristmill: error: "), done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "p.yaml", "--log-json", "--bogus"], "No such option '--bogus'."),
        (["run", "--bogus", "p.yaml", "--log-json"], "No such option '--bogus'."),
        (["run", "--log-json"], "Missing argument 'PIPELINE.yaml'."),
    ],
)
def test_a_usage_mistake_with_log_json_is_one_json_event(args, message) -> None:
    # It stayed a plain line among the JSON events, as the other fatal errors did before.
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "gristmill", *args], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert json.loads(done.stderr) == {
        "event": "log",
        "level": "error",
        "message": f"{message} (see `gristmill run --help`)",
    }


@pytest.mark.parametrize("section", ["input", "output"])
@pytest.mark.parametrize("typo", ["s3:/bucket/out", "s3:bucket/out", "GS:/bucket/out"])
def test_an_object_store_url_with_one_slash_is_refused_not_written_locally(
    run_cli, tmp_path, section, typo
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "one"}\n')
    paths = {"input": str(src), "output": str(tmp_path / "out"), section: typo}
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {paths['input']}\noutput: {paths['output']}\nsteps: []\n"
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 2, result.output
    scheme = typo.split(":")[0]
    assert result.output == (
        f"gristmill: error: {section}, option 'path': {typo!r} is not a URL: "
        f"write {scheme}://… for an object store, or ./{typo} for a local folder\n"
    )
    assert not (REPO / typo.split("/")[0]).exists() and not list(tmp_path.glob("s3*"))


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _blas_after_main(**env: str) -> list[str]:
    """numpy's thread count and OPENBLAS_NUM_THREADS in a fresh process that ran the command first."""
    import os
    import subprocess
    import sys

    script = (
        "import os, sys\nfrom gristmill.cli import main\nsys.argv = ['gristmill', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nimport numpy\n"
        "print(len(os.listdir('/proc/self/task')), os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    found = subprocess.run(
        [sys.executable, "-c", script], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return found.stdout.splitlines()[-1].split()


def test_the_command_loads_numpy_with_one_blas_thread() -> None:
    # OpenBLAS started a spinning thread per core when numpy loaded: 0.07 CPU-s per process on 2 cores,
    # for matrix products that are small and run one per worker process anyway.
    assert _blas_after_main() == ["1", "1"]


def test_a_blas_thread_count_the_user_set_is_kept() -> None:
    assert _blas_after_main(OMP_NUM_THREADS="2")[1] == "None"
    assert _blas_after_main(OPENBLAS_NUM_THREADS="3")[1] == "3"


def test_importing_the_library_leaves_the_blas_threads_to_the_caller() -> None:
    # docs/python.md: only the command sets OPENBLAS_NUM_THREADS; a library does not change its caller.
    import os
    import subprocess
    import sys

    code = "import os, gristmill; print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    clean = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    done = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["None"]


def test_a_ray_address_runs_on_ray_and_is_never_ignored(run_cli, make_corpus, tmp_path) -> None:
    # Nothing listens on port 1: a run that went to Ray fails at once naming the address; one that
    # quietly ran in local processes instead would exit 0 having ignored it.
    src = make_corpus(shards=1, docs=3)
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {{path: '{src}'}}\noutput: {{path: '{tmp_path}/out'}}\nsteps: []\n"
    )
    result = run_cli("run", str(config), "--ray-address", "127.0.0.1:1")
    assert result.exit_code == 2
    assert result.output.startswith("gristmill: error: no Ray cluster answers at 127.0.0.1:1")
    for options in (["--ray-address", "127.0.0.1:1"], ["--ray-memory", "group=1GB"]):
        result = run_cli("run", str(config), "--executor", "local", *options)
        assert result.exit_code == 2
        assert result.output == (
            "gristmill: error: --ray-address and --ray-memory (ray_address, ray_memory) are options of the "
            "Ray executor; leave out --executor local (executor='local') to run on Ray\n"
        )
    assert not (tmp_path / "out").exists()


def test_steps_named_shows_only_those_and_an_unknown_name_is_one_line(run_cli) -> None:
    result = run_cli("steps", "length_filter")
    assert result.exit_code == 0
    # The Python name too: a user of the API need not guess LengthFilter from length_filter.
    assert result.output.startswith("length_filter (gristmill.LengthFilter): Drop documents shorter than")
    assert run_cli("steps", "gopher_quality").output.startswith(
        "gopher_quality (gristmill.GopherQualityFilter): "
    )
    assert "salad:" not in result.output
    result = run_cli("steps", "lenght_filter")
    assert result.exit_code == 2
    assert result.output == (
        "gristmill: error: unknown step 'lenght_filter'; did you mean 'length_filter'? "
        "(`gristmill steps` lists them)\n"
    )


def test_the_python_api_says_which_inputs_it_could_not_read(shared_data, tmp_path) -> None:
    # The CLI prints a truncated file's line and exits 1; a script calling Pipeline.run() got nothing
    # on its console, and had to know to look in result.errors.
    import subprocess
    import sys

    clipped = shared_data / "warc/resiliparse/clipped.warc.gz"
    out = str(tmp_path / "out")
    script = (
        "import gristmill\n"
        f"p = gristmill.Pipeline(input={{'path': {str(clipped)!r}}}, output={{'path': {out!r}}})\n"
        "result = p.run(progress=False)\n"
        "print('errors', len(result.errors))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "errors 1" in done.stdout
    lines = [line for line in done.stderr.splitlines() if str(clipped) in line]
    assert len(lines) == 1 and "truncated at byte" in lines[0], done.stderr


def test_demo_run_again_over_its_own_finished_run_redoes_nothing(run_cli, tmp_path: Path) -> None:
    # The demo replaced its own run with overwrite, so an interrupted demo began again from nothing
    # though its line said "run the same command to resume" (a review).
    out = tmp_path / "demo"
    assert run_cli("demo", "--out", str(out), "--workers", "1").exit_code == 0
    written = {p: p.stat().st_mtime_ns for p in (out / "kept").iterdir()}
    assert run_cli("demo", "--out", str(out), "--workers", "1").exit_code == 0
    assert {p: p.stat().st_mtime_ns for p in (out / "kept").iterdir()} == written


def test_report_on_an_unfinished_run_says_running_the_command_again_resumes_it(
    run_cli, make_corpus, tmp_path
) -> None:
    src = make_corpus(shards=1, docs=5)
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\nsteps: []\n")
    assert run_cli("run", str(config), "--quiet").exit_code == 0
    # What a run stopped before its end leaves: its _state/ and outputs, no stats.json (written last).
    (tmp_path / "out" / "stats.json").unlink()
    result = run_cli("report", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: {tmp_path}/out: the run here has not finished (no stats.json yet); if it was "
        "stopped, the command that ran it (gristmill run PIPELINE.yaml) resumes it and writes report.html at "
        "its end\n"
    )


def test_demo_options_have_the_help_run_gives_them(run_cli) -> None:
    def helps(command: str) -> dict[str, str]:
        text = run_cli(command, "--help").output
        found = re.findall(r"^  (-[^\n]*?)(?:  +|\n {20,})([^\n]*)", text, re.M)
        return {option.strip(): said.strip() for option, said in found}

    run, demo = helps("run"), helps("demo")
    for option in ("-w, --workers INTEGER", "--progress / --no-progress"):
        assert demo[option] and demo[option].split("  [")[0] == run[option].split("  [")[0], (option, demo)


@pytest.mark.parametrize("steps", ["steps: []\n", ""])
def test_a_pipeline_without_steps_says_it_copies_its_input(run_cli, make_corpus, tmp_path, steps) -> None:
    src = make_corpus(shards=1, docs=5)
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\n{steps}")
    result = run_cli("run", str(config), "--quiet")
    assert result.exit_code == 0  # a copy (or a conversion through output.format) is a run too
    assert result.stderr == NO_STEPS
    assert result.stdout.startswith("read 5  kept 5  rejected 0")
