from pathlib import Path
from typing import Any

import pytest

from gristmill import ConfigError, Pipeline, UrlFilter, pipeline_from_dict
from tests.helpers import REPO, read_all, write_jsonl, write_pipeline


def lists(tmp_path: Path) -> dict[str, str]:
    files = {
        "domains.txt": "# spam domains\nspam.example\n\nBad.Example.ORG\n",
        "urls.txt": "example.com/casino\n",
        "regex.txt": r"/ads?/\d+" + "\n",
        "allow.txt": "good.spam.example\n",
        "allow_urls.txt": "example.com/casino-history\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: str(tmp_path / name) for name in files}


def step(tmp_path: Path, **extra: object) -> UrlFilter:
    paths = lists(tmp_path)
    options: dict[str, object] = {
        "block_domains": [paths["domains.txt"]],
        "block_urls": [paths["urls.txt"]],
        "block_regex": [paths["regex.txt"]],
        "allow_domains": [paths["allow.txt"]],
        "allow_urls": [paths["allow_urls.txt"]],
    }
    return UrlFilter(**(options | extra))  # type: ignore[arg-type]


URLS = {
    "https://spam.example/": "url_filter:domain:domains.txt",
    "http://www.spam.example:8080/page": "url_filter:domain:domains.txt",
    "https://deep.sub.bad.example.org/x": "url_filter:domain:domains.txt",
    "https://notspam.example/": None,
    "https://good.spam.example/": None,  # the allow list wins
    "https://www.example.com/casino/1": "url_filter:url:urls.txt",
    "https://www.EXAMPLE.com/Casino/2": "url_filter:url:urls.txt",
    "https://www.example.com/casino-history": None,
    "https://news.example.net/ad/123": "url_filter:regex:regex.txt",
    "https://news.example.net/adverts": None,
    "http://[broken/": None,
}


def test_url_filter_through_a_pipeline(tmp_path: Path) -> None:
    records = [{"id": str(i), "text": "some text", "url": url} for i, url in enumerate(URLS)]
    records.append({"id": "no-url", "text": "a page without a url"})
    records.append({"id": "empty-url", "text": "a page with an empty url", "url": " "})
    write_jsonl(tmp_path / "in.jsonl", records)
    result = Pipeline(
        input={"path": str(tmp_path / "in.jsonl")},
        output={"path": str(tmp_path / "out")},
        steps=[step(tmp_path)],
    ).run(workers=1, progress=False)
    kept = {d["meta"]["url"] for d in read_all(tmp_path / "out" / "kept")}
    assert kept == {url for url, reason in URLS.items() if reason is None}
    rejected = {d["id"]: d for d in read_all(tmp_path / "out" / "rejected")}
    for i, (url, reason) in enumerate(URLS.items()):
        if reason is not None:
            assert rejected[str(i)]["meta"]["reason"] == reason, url
    assert rejected["0"]["meta"]["url_filter"] == {
        "kind": "domain",
        "list": "domains.txt",
        "entry": "spam.example",
    }
    assert rejected["2"]["meta"]["url_filter"]["entry"] == "bad.example.org"
    assert rejected["8"]["meta"]["url_filter"] == {
        "kind": "regex",
        "list": "regex.txt",
        "entry": r"/ads?/\d+",
    }
    assert rejected["no-url"]["meta"]["reason"] == "url_filter:no_url"
    assert rejected["empty-url"]["meta"]["reason"] == "url_filter:no_url"
    assert result.totals["kept"] == len(kept)


def test_url_filter_keeps_documents_without_url_when_asked(tmp_path: Path) -> None:
    from gristmill import Document

    assert step(tmp_path, missing_url="keep").keep(Document(id="d", text="x")) is True


def test_url_filter_reads_datatrove_lists_as_is(tmp_path: Path) -> None:
    # datatrove's adult/domains and adult/urls: one entry a line, no scheme, '#' lines are comments.
    (tmp_path / "domains").write_text("#comment\n000porn.example\nxxx.example\n", encoding="utf-8")
    (tmp_path / "urls").write_text("somehost.example/adult/page.html\n", encoding="utf-8")
    f = UrlFilter(block_domains=[str(tmp_path / "domains")], block_urls=[str(tmp_path / "urls")])
    assert f.blocked("http://www.xxx.example/a") is not None
    assert f.blocked("https://somehost.example/adult/page.html?x=1") is not None
    assert f.blocked("https://somehost.example/other") is None


def test_url_filter_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"option 'block_domains': cannot read .*missing.txt") as missing:
        UrlFilter(block_domains=[str(tmp_path / "missing.txt")])
    assert "\n" not in str(missing.value)
    (tmp_path / "bad.txt").write_text("ok\n(unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"option 'block_regex': .*bad.txt: entry 2 '\(unclosed'"):
        UrlFilter(block_regex=[str(tmp_path / "bad.txt")])
    with pytest.raises(ConfigError, match="name at least one block list"):
        UrlFilter(allow_domains=[str(tmp_path / "bad.txt")])
    with pytest.raises(ConfigError, match="step 'url_filter': unknown option 'block_domain'"):
        pipeline_from_dict(
            {
                "input": {"path": str(tmp_path)},
                "output": {"path": str(tmp_path / "o")},
                "steps": [{"url_filter": {"block_domain": ["x"]}}],
            }
        )


def test_a_list_file_not_utf8_or_without_entries_is_a_one_line_error(tmp_path: Path) -> None:
    # A list in another encoding had its entries mangled (read with errors replaced), and an empty list
    # (a wrong file) blocked nothing: both ran without a word.
    latin = tmp_path / "latin.txt"
    latin.write_bytes("spam.example\nmünchen-spam.example\n".encode("latin-1"))
    with pytest.raises(
        ConfigError, match=r"option 'block_domains': .*latin.txt is not UTF-8 \(line 2\)"
    ) as bad:
        UrlFilter(block_domains=[str(latin)])
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here yet\n\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"option 'block_urls': .*empty.txt lists no entry") as none:
        UrlFilter(block_urls=[str(empty)])
    assert "\n" not in str(bad.value) + str(none.value)
    # A byte order mark is no part of the first entry.
    marked = tmp_path / "marked.txt"
    marked.write_bytes(b"\xef\xbb\xbfspam.example\n\xef\xbb\xbfjoined.example\n")
    marks = UrlFilter(block_domains=[str(marked)])
    assert marks.blocked("https://spam.example/x") and marks.blocked("https://joined.example/")
    marked.write_bytes(b"\xef\xbb\xbfa.example\nb.example\n\xff\n")
    with pytest.raises(ConfigError, match=r"marked.txt is not UTF-8 \(line 3\)"):
        UrlFilter(block_domains=[str(marked)])


def _url_filter_run(run_cli: Any, tmp_path: Path, records: list[dict[str, Any]], options: str) -> Any:
    write_jsonl(tmp_path / "in.jsonl", records)
    (tmp_path / "domains.txt").write_text("spam.example\n", encoding="utf-8")
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {tmp_path / 'in.jsonl'}\noutput: {tmp_path / 'out'}\nsteps:\n"
        f"  - url_filter: {{block_domains: [{tmp_path / 'domains.txt'}], {options}}}\n",
    )
    return run_cli("run", str(path))


def test_a_url_field_no_early_record_has_is_said_in_one_line(tmp_path: Path, run_cli: Any) -> None:
    # With missing_url: keep, a mistyped url_field blocked nothing and kept every document, silently.
    # Said, not refused: the first records cannot prove that no later one has the field.
    records = [{"id": "a", "text": "some text", "url": "https://spam.example/"}]
    result = _url_filter_run(run_cli, tmp_path, records, "url_field: ulr, missing_url: keep")
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "names 'ulr'" in line]
    assert len(said) == 1 and "step 'url_filter', option 'url_field'" in said[0], result.output
    assert "did you mean 'url'?" in said[0]


def test_a_url_field_only_later_files_have_runs(tmp_path: Path, run_cli: Any) -> None:
    # A review's case: 40 files, the field on the last alone (and null in the first records of
    # others). The run was refused; the field is the user's to name.
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):
        link = "https://spam.example/" if i == 39 else None
        write_jsonl(folder / f"part-{i:02d}.jsonl", [{"id": f"d{i}", "text": "some text", "link": link}])
    (tmp_path / "domains.txt").write_text("spam.example\n", encoding="utf-8")
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {folder}\noutput: {tmp_path / 'out'}\nsteps:\n"
        f"  - url_filter: {{block_domains: [{tmp_path / 'domains.txt'}], url_field: link,"
        " missing_url: keep}\n",
    )
    result = run_cli("run", str(path))
    assert result.exit_code == 0, result.output
    assert [d["id"] for d in read_all(tmp_path / "out" / "rejected")] == ["d39"]
    assert len(read_all(tmp_path / "out" / "kept")) == 39


def test_a_url_field_in_the_records_metadata_is_found(tmp_path: Path, run_cli: Any) -> None:
    records = [{"id": "a", "text": "some text", "metadata": {"link": "https://spam.example/"}}]
    result = _url_filter_run(run_cli, tmp_path, records, "url_field: link, missing_url: keep")
    assert result.exit_code == 0, result.output
    assert [d["meta"]["reason"] for d in read_all(tmp_path / "out" / "rejected")] == [
        "url_filter:domain:domains.txt"
    ]


def test_records_without_the_default_url_field_still_run(tmp_path: Path, run_cli: Any) -> None:
    # A pipeline shared by corpora with and without URLs: the default field is not a name a user typed.
    records = [{"id": "a", "text": "some text"}]
    result = _url_filter_run(run_cli, tmp_path, records, "missing_url: keep")
    assert result.exit_code == 0, result.output
    assert len(read_all(tmp_path / "out" / "kept")) == 1


def test_a_url_field_warc_records_lack_is_said_in_one_line(tmp_path: Path, run_cli: Any) -> None:
    (tmp_path / "domains.txt").write_text("spam.example\n", encoding="utf-8")
    warc = REPO / "src/gristmill/samples/warc/cc-main-2020-34-excerpt.warc.gz"
    path = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {warc}\noutput: {tmp_path / 'out'}\nsteps:\n"
        f"  - url_filter: {{block_domains: [{tmp_path / 'domains.txt'}], url_field: link}}\n",
    )
    result = run_cli("run", str(path))
    lines = [line for line in result.output.splitlines() if "names 'link'" in line]
    assert result.exit_code == 0 and len(lines) == 1, result.output
    assert "step 'url_filter', option 'url_field'" in lines[0] and "'url'" in lines[0]
