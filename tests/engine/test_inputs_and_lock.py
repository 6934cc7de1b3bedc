"""A resume over changed inputs is refused; one run at a time per output folder; output is never input."""

import os
import shutil
import socket

import orjson
import pytest

from gristmill.engine.layout import Layout
from gristmill.engine.lock import OutputLock
from gristmill.errors import UnusableOutputError
from tests.executors.test_local import outputs
from tests.helpers import read_all, without_progress, write_jsonl, write_pipeline


def records(name: str, n: int = 3):
    return [{"id": f"{name}-{i}", "text": f"Text {i} of file {name}, long enough to keep."} for i in range(n)]


def setup(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "b.jsonl", records("b"))
    write_jsonl(src / "c.jsonl", records("c"))
    pipeline = f"input: {src}\noutput: {tmp_path}/out\nsteps: [normalize]\n"
    return src, write_pipeline(tmp_path / "p.yaml", pipeline)


def test_a_rerun_after_a_file_is_added_is_refused_naming_it(run_cli, tmp_path) -> None:
    src, config = setup(tmp_path)
    assert run_cli("run", str(config)).exit_code == 0
    before = outputs(tmp_path / "out")
    write_jsonl(src / "a.jsonl", records("a"))
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: '{tmp_path}/out' holds a run over other input files "
        f"(added {src}/a.jsonl); pass --overwrite (overwrite=True in Python) to start again, "
        "or choose another output folder\n"
    )
    assert outputs(tmp_path / "out") == before  # nothing read twice, nothing written
    result = run_cli("run", str(config), "--overwrite")
    assert result.exit_code == 0 and "read 9 " in result.output
    ids = sorted(d["id"] for d in read_all(tmp_path / "out/kept"))
    assert ids == sorted(f"{f}-{i}" for f in "abc" for i in range(3))


def test_a_file_that_grew_or_went_is_refused(run_cli, tmp_path) -> None:
    src, config = setup(tmp_path)
    assert run_cli("run", str(config)).exit_code == 0
    write_jsonl(src / "c.jsonl", records("c", 4))
    result = run_cli("run", str(config))
    assert result.exit_code == 2 and f"(changed {src}/c.jsonl)" in result.output
    (src / "c.jsonl").unlink()
    result = run_cli("run", str(config))
    assert result.exit_code == 2 and f"(removed {src}/c.jsonl)" in result.output


@pytest.mark.parametrize("which", ["b", "c"])
def test_a_file_changed_while_the_run_reads_it_stops_its_shard_in_one_line(run_cli, tmp_path, which) -> None:
    # The manifest is taken when the run starts: b.jsonl written to while its shard reads it, or c.jsonl
    # before its shard is read, would have given documents of a file the manifest does not describe.
    import tests.engine.faulty  # noqa: F401 - registers test_append_to

    src, _ = setup(tmp_path)
    config = write_pipeline(
        tmp_path / "q.yaml",
        f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - test_append_to: {{path: {src}/{which}.jsonl}}\n",
    )
    result = run_cli("run", str(config), "--workers", "1")
    assert result.exit_code == 1
    assert without_progress(result.output) == [
        f"gristmill: error: input: {src}/{which}.jsonl changed while the run read it (size 183 → 255): its "
        "shard is not kept; pass --overwrite (overwrite=True in Python) to read the inputs as they are now"
    ]
    assert not (tmp_path / f"out/_state/stage0/0000{'bc'.index(which)}.done").exists()


def test_an_unchanged_rerun_resumes_to_the_same_bytes(run_cli, tmp_path) -> None:
    _, config = setup(tmp_path)
    assert run_cli("run", str(config)).exit_code == 0
    before = outputs(tmp_path / "out")
    result = run_cli("run", str(config))
    assert result.exit_code == 0 and "read 6 " in result.output
    assert outputs(tmp_path / "out") == before


def test_a_second_run_in_the_same_output_folder_is_refused(run_cli, tmp_path) -> None:
    _, config = setup(tmp_path)
    layout = Layout(tmp_path / "out")
    layout.create()
    with OutputLock(layout):
        result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: '{tmp_path}/out' is in use by another gristmill run "
        f"(pid {os.getpid()} on {socket.gethostname()}); wait for it to end, or choose another "
        "output folder\n"
    )
    assert run_cli("run", str(config)).exit_code == 0  # the lock went with its holder


def test_an_output_folder_inside_the_input_folder_is_never_read_back(run_cli, tmp_path) -> None:
    src = tmp_path / "data"
    src.mkdir()
    write_jsonl(src / "a.jsonl", records("a", 5))
    config = write_pipeline(tmp_path / "p.yaml", f"input: {src}\noutput: {src}/out\nsteps: [normalize]\n")
    for _ in range(2):
        result = run_cli("run", str(config))
        assert result.exit_code == 0 and "read 5 " in result.output, result.output
    assert len(read_all(src / "out/kept")) == 5


def test_an_unusable_output_folder_is_exit_2_before_any_work(run_cli, tmp_path) -> None:
    src, _ = setup(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    config = write_pipeline(tmp_path / "q.yaml", f"input: {src}\noutput: {tmp_path}/a-file/out\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert (
        result.output
        == f"gristmill: error: output: cannot write to '{tmp_path}/a-file/out': Not a directory\n"
    )


def test_a_file_named_twice_or_through_a_link_is_read_once(run_cli, tmp_path) -> None:
    src, _ = setup(tmp_path)
    (tmp_path / "link.jsonl").symlink_to(src / "b.jsonl")
    paths = f'[{src}/, {src}/b.jsonl, "{src}/*.jsonl", {tmp_path}/link.jsonl]'
    config = write_pipeline(tmp_path / "q.yaml", f"input: {{path: {paths}}}\noutput: {tmp_path}/o\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 0 and "read 6 " in result.output, result.output


def test_a_broken_link_in_the_input_folder_is_one_line_naming_it(run_cli, tmp_path) -> None:
    src, config = setup(tmp_path)
    (src / "d.jsonl").symlink_to(tmp_path / "gone.jsonl")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: input: cannot read '{src}/d.jsonl' (a link to a missing file): "
        "No such file or directory\n"
    )


@pytest.mark.parametrize("name", [b"caf\xe9.txt", b"caf\xe9.jsonl"])
def test_a_file_name_that_is_not_utf8_is_one_line_naming_it(run_cli, tmp_path, name: bytes) -> None:
    # A Latin-1 name (an old archive unpacked on Linux) stopped the run with a traceback from the
    # manifest's JSON; the outputs record the name too (ids of text files, meta.source_file).
    src, config = setup(tmp_path)
    with open(os.path.join(os.fsencode(src), name), "wb") as handle:
        handle.write(b'{"id": "x", "text": "A text."}\n' if name.endswith(b".jsonl") else b"A text.")
    result = run_cli("run", str(config))
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("gristmill: error: input: ") and "caf\\xe9" in result.output
    assert "not UTF-8" in result.output and not (tmp_path / "out").exists()


def test_a_named_pipe_in_the_input_folder_is_one_line_not_a_hang(run_cli, tmp_path) -> None:
    src, config = setup(tmp_path)
    os.mkfifo(src / "d.jsonl")  # opening it to record the manifest would wait for a writer
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == f"gristmill: error: input: cannot read '{src}/d.jsonl': not a regular file\n"


def test_an_output_folder_that_is_the_input_folder_is_named_as_the_reason(run_cli, tmp_path) -> None:
    src, _ = setup(tmp_path)
    config = write_pipeline(tmp_path / "q.yaml", f"input: {src}\noutput: {src}\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: input: ['{src}'] holds no file of a known format outside the output folder "
        f"'{src}' (a run never reads its output folder); choose an output folder apart from the input\n"
    )


def test_an_input_inside_an_earlier_runs_output_folder_is_named_as_the_reason(run_cli, tmp_path) -> None:
    # A folder the run did not write, inside a run's folder: of a run's folder only kept/ and rejected/
    # hold documents.
    (tmp_path / "run/_state").mkdir(parents=True)
    (tmp_path / "run/_state/pipeline.json").write_text("{}")
    src = tmp_path / "run/data"
    src.mkdir()
    write_jsonl(src / "a.jsonl", records("a"))
    config = write_pipeline(tmp_path / "q.yaml", f"input: {src}\noutput: {tmp_path}/out\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: input: ['{src}'] holds no document of the gristmill output folder "
        f"'{tmp_path}/run' (beside its _state/pipeline.json): of a run's folder only the files in kept/ "
        "and rejected/ are input\n"
    )


def test_an_earlier_runs_output_inside_the_input_is_not_input(run_cli, tmp_path) -> None:
    src, _ = setup(tmp_path)
    first = write_pipeline(tmp_path / "a.yaml", f"input: {src}\noutput: {src}/out-a\n")
    second = write_pipeline(tmp_path / "b.yaml", f"input: {src}\noutput: {src}/out-b\n")
    assert "read 6 " in run_cli("run", str(first)).output
    result = run_cli("run", str(second))
    assert result.exit_code == 0 and "read 6 " in result.output, result.output
    # Said, not passed over in silence; the run's own output folder is not named (it is never input).
    (note,) = [line for line in result.output.splitlines() if "gristmill output" in line]
    assert note == (
        f"gristmill: input: 1 gristmill output folder passed over: {src}/out-a (a run's output is input "
        f"only where a path points into its folder, as {src}/out-a/kept/)"
    )


def _earlier_run(run_cli, tmp_path):
    """A finished run in runs/first: 3 documents kept, 1 rejected."""
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [*records("a"), {"id": "short", "text": "Too short."}])
    run = tmp_path / "runs" / "first"
    config = write_pipeline(
        tmp_path / "first.yaml",
        f"input: {src}\noutput: {run}\nsteps: [{{length_filter: {{min_chars: 20}}}}]\n",
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 0 and "read 4 " in result.output, result.output
    return run


def _read_back(run_cli, tmp_path, path, output="again"):
    config = write_pipeline(
        tmp_path / "again.yaml",
        f"input: {{path: '{path}'}}\noutput: {tmp_path / output}\nsteps: [normalize]\n",
    )
    return run_cli("run", str(config))


@pytest.mark.parametrize("path", ["kept/00000.jsonl.zst", "kept/*.jsonl.zst", "kept/", "kept"])
def test_a_path_into_another_runs_kept_folder_reads_its_documents_back(run_cli, tmp_path, path) -> None:
    # docs/output_schema.md says an output reads back as input; each of these was refused, "no file of a
    # known format outside gristmill output folders", even the exact file.
    run = _earlier_run(run_cli, tmp_path)
    result = _read_back(run_cli, tmp_path, f"{run}/{path}")
    assert result.exit_code == 0 and "read 3 " in result.output, result.output
    assert "passed over" not in result.output
    assert [d["id"] for d in read_all(tmp_path / "again/kept")] == ["a-0", "a-1", "a-2"]


def test_a_glob_over_a_whole_run_folder_reads_its_documents_and_names_the_rest(run_cli, tmp_path) -> None:
    # report.html (a page), stats.json and _state/*.json (records) would read as documents.
    run = _earlier_run(run_cli, tmp_path)
    result = _read_back(run_cli, tmp_path, f"{run}/**")
    assert result.exit_code == 0 and "read 4 " in result.output, result.output
    ids = [d["id"] for d in read_all(tmp_path / "again/kept")]
    assert sorted(ids) == ["a-0", "a-1", "a-2", "short"]
    (note,) = [line for line in result.output.splitlines() if "gristmill output" in line]
    assert note.startswith("gristmill: input: ") and "files of gristmill output folders passed over" in note
    assert f"{run}/report.html and " in note and note.endswith(
        "(only a run's kept/ and rejected/ hold its documents)"
    )


@pytest.mark.parametrize("pattern", ["", "**/*.jsonl.zst"])
def test_a_walk_from_a_folder_above_a_run_folder_passes_it_over(run_cli, tmp_path, pattern) -> None:
    # Only a path whose fixed part (before any wildcard) lies in the run's folder reads it.
    run = _earlier_run(run_cli, tmp_path)
    write_jsonl(run.parent / "extra.jsonl.zst", records("x", 2))
    result = _read_back(run_cli, tmp_path, f"{run.parent}/{pattern}")
    assert result.exit_code == 0 and "read 2 " in result.output, result.output
    assert f"1 gristmill output folder passed over: {run} (" in result.output


@pytest.mark.parametrize("pattern", ["", "*/kept/*.jsonl.zst"])
def test_a_walk_that_finds_only_run_folders_is_refused_naming_one(run_cli, tmp_path, pattern) -> None:
    # A wildcard that crosses the run's folder is a walk from above it too: list each run's kept/.
    run = _earlier_run(run_cli, tmp_path)
    result = _read_back(run_cli, tmp_path, f"{run.parent}/{pattern}")
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: input: ['{run.parent}/{pattern}'] holds no file of a known format outside "
        f"gristmill output folders ('{run}', beside its _state/pipeline.json): a run's output is input only "
        f"where a path points into its folder, as '{run}/kept/'\n"
    )


@pytest.mark.parametrize("path", ["kept/", "kept/*.jsonl.zst", "**"])
def test_a_rerun_never_reads_its_own_output_back(run_cli, tmp_path, path) -> None:
    run = _earlier_run(run_cli, tmp_path)
    result = _read_back(run_cli, tmp_path, f"{run}/{path}", output="runs/first")
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: input: ['{run}/{path}'] holds no file of a known format outside the output "
        f"folder '{run}' (a run never reads its output folder); choose an output folder apart from the "
        "input\n"
    )


def test_an_output_folder_whose_parts_are_files_is_exit_2(run_cli, tmp_path) -> None:
    _, config = setup(tmp_path)
    assert run_cli("run", str(config)).exit_code == 0
    shutil.rmtree(tmp_path / "out/kept")
    (tmp_path / "out/kept").write_text("")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output.startswith(f"gristmill: error: output: cannot use '{tmp_path}/out/kept' as a folder")
    assert result.output.count("\n") == 1


def test_raising_max_errors_after_a_failed_run_resumes_it(run_cli, tmp_path) -> None:
    src, _ = setup(tmp_path)
    config = write_pipeline(tmp_path / "q.yaml", f"input: {src}\noutput: {tmp_path}/o\nmax_errors: 0.5\n")
    assert run_cli("run", str(config)).exit_code == 0
    config.write_text(config.read_text().replace("0.5", "0.9"))
    result = run_cli("run", str(config))
    assert result.exit_code == 0, result.output


def test_the_home_folder_or_the_filesystem_root_is_refused_as_output(run_cli, tmp_path, monkeypatch) -> None:
    # A run writes kept/, rejected/, _state/ … beside whatever the folder holds: in the home folder or /
    # that is a slip of the config (`output: ~`, `output: /`), not a place to put a corpus.
    src, _ = setup(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    config = write_pipeline(tmp_path / "q.yaml", f"input: {src}\noutput: '~'\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: {str(home)!r} is your home folder; name a folder for the run's outputs\n"
    )
    assert list(home.iterdir()) == []
    with pytest.raises(
        UnusableOutputError, match=r"output: '/' is the filesystem root; name a folder for the run's outputs"
    ):
        Layout("/").create()
    # A folder under home is the user's, as in input paths: `output: ~/corpus` is not ./~/corpus.
    config = write_pipeline(tmp_path / "r.yaml", f"input: {src}\noutput: ~/corpus\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 0, result.output
    assert (home / "corpus" / "stats.json").is_file() and not (tmp_path / "~").exists()


def test_the_python_api_is_told_how_to_overwrite_in_python(tmp_path) -> None:
    from gristmill import Normalize, Pipeline

    src, _ = setup(tmp_path)

    def pipeline(*steps):
        return Pipeline(input={"path": str(src)}, output={"path": str(tmp_path / "out")}, steps=list(steps))

    pipeline().run(progress=False)
    with pytest.raises(UnusableOutputError, match=r"overwrite=True"):
        pipeline(Normalize()).run(progress=False)
    assert pipeline(Normalize()).run(progress=False, overwrite=True).stats["totals"]["read"] == 6


def test_a_folder_of_other_files_is_refused_as_output(run_cli, tmp_path) -> None:
    # A run writes kept/, rejected/, stats.json … beside what the folder holds and reads a kept/ it finds
    # there as its own: a folder of the user's files is refused until they say to write beside them.
    src, config = setup(tmp_path)
    out = tmp_path / "out"
    (out / "kept").mkdir(parents=True)
    (out / "kept" / "mine.jsonl").write_text('{"id": "mine", "text": "my own file"}\n')
    (out / "notes.txt").write_text("my notes\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: '{out}' holds files but no gristmill run (kept, notes.txt); "
        "choose an empty or new folder, or pass --overwrite (overwrite=True in Python) to delete kept there "
        "and write the run beside the rest\n"
    )
    assert (out / "kept" / "mine.jsonl").read_text() == '{"id": "mine", "text": "my own file"}\n'
    assert sorted(p.name for p in out.rglob("*")) == ["kept", "mine.jsonl", "notes.txt"]  # as it was: no lock
    result = run_cli("run", str(config), "--overwrite")
    assert result.exit_code == 0, result.output
    assert (out / "notes.txt").read_text() == "my notes\n"  # --overwrite clears the run's names only
    assert [r["id"] for r in read_all(out / "kept")] == [f"{n}-{i}" for n in "bc" for i in range(3)]
    # A run's own folder resumes as before, and an empty folder is a new run, hidden files and empty
    # folders (a Finder's .DS_Store, what a killed write leaves) counting for nothing.
    assert run_cli("run", str(config)).exit_code == 0
    empty = tmp_path / "empty"
    (empty / "kept").mkdir(parents=True)
    (empty / ".DS_Store").write_bytes(b"")
    (empty / "_state").mkdir()
    (empty / "_state" / ".pipeline.json.123.tmp").write_bytes(b"{")
    other = write_pipeline(tmp_path / "e.yaml", f"input: {src}\noutput: {empty}\nsteps: [normalize]\n")
    assert run_cli("run", str(other)).exit_code == 0


def test_overwrite_that_cannot_delete_is_one_line(run_cli, tmp_path, monkeypatch) -> None:
    # (As root no permission stops a delete; an immutable folder does: its error is what rmtree raises.)
    from gristmill.engine import layout

    _, config = setup(tmp_path)
    assert run_cli("run", str(config)).exit_code == 0

    def refuse(path, *args, **kwargs):
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(layout.shutil, "rmtree", refuse)
    result = run_cli("run", str(config), "--overwrite")
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: --overwrite cannot delete '{tmp_path}/out/kept': "
        "Operation not permitted; choose another output folder\n"
    )


def test_an_output_folder_the_run_cannot_write_in_is_one_line(run_cli, tmp_path) -> None:
    # kept/ a link to a folder no one may create files in (root included): refused before any task,
    # where the first write raised a traceback from a worker and left _state/ and _work/ behind.
    _, config = setup(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept").symlink_to("/proc/self/fdinfo")
    result = run_cli("run", str(config))
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"gristmill: error: output: cannot write in '{out}/kept': No such file or directory; "
        "choose another output folder, or pass --overwrite (overwrite=True in Python)\n"
    )


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_an_empty_shard_of_another_runs_kept_folder_reads_as_no_documents(run_cli, tmp_path, fmt) -> None:
    # A shard whose documents were all rejected leaves an empty kept file; read back, it was quarantined
    # ("no parquet records in the file") and counted as read, as if the input were broken.
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", records("a"))
    write_jsonl(src / "b.jsonl", [{"id": "short", "text": "Too short."}])
    run = tmp_path / "runs" / "first"
    config = write_pipeline(
        tmp_path / "first.yaml",
        f"input: {src}\noutput: {{path: {run}, format: {fmt}}}\n"
        "steps: [{length_filter: {min_chars: 20}}]\n",
    )
    assert run_cli("run", str(config)).exit_code == 0
    empty = sorted((run / "kept").iterdir())[1]
    assert empty.name.startswith("00001.")  # written, holding no document
    result = _read_back(run_cli, tmp_path, f"{run}/kept/")
    assert result.exit_code == 0, result.output
    assert "read 3 " in result.output and "quarantined 0" in result.output, result.output
    stats = orjson.loads((tmp_path / "again/stats.json").read_bytes())
    assert stats["totals"] == {"read": 3, "created": 0, "kept": 3, "rejected": 0, "quarantined": 0}
    assert not any((tmp_path / "again/quarantine").glob("*"))
