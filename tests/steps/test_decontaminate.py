import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gristmill import ConfigError, Decontaminate, Document, Pipeline
from gristmill.steps.decontaminate import words
from tests.helpers import REPO, SEED, read_all, write_jsonl

WEB = REPO / "src" / "gristmill" / "samples" / "web" / "cc-main-2019-30-sample.jsonl.gz"


def web_texts(count: int) -> list[str]:
    lines = gzip.decompress(WEB.read_bytes()).splitlines()
    texts = [orjson.loads(line)["text"] for line in lines if line.strip()]
    return [t for t in texts if len(t.split()) > 50][:count]


def seed_paragraphs() -> list[str]:
    return [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p.split()) >= 40]


def lightly_edited(text: str) -> str:
    # Change case and punctuation everywhere and one word in every 20: 13-word runs survive between.
    words = text.upper().replace(".", " ;").replace(",", "").split()
    return "  ".join("CHANGED" if i % 20 == 10 else w for i, w in enumerate(words))


def evaluation_files(tmp_path: Path) -> tuple[Path, Path]:
    paragraphs = seed_paragraphs()
    jsonl = write_jsonl(tmp_path / "bench.jsonl", [{"question": p} for p in paragraphs[:3]])
    table = pa.table({"question": paragraphs[3:6]})
    parquet = tmp_path / "other.parquet"
    pq.write_table(table, parquet)
    return jsonl, parquet


def corpus(tmp_path: Path) -> tuple[Path, list[str]]:
    web = web_texts(12)
    paragraphs = seed_paragraphs()
    records = [{"id": f"clean{i}", "text": t} for i, t in enumerate(web[:8])]
    records.append({"id": "verbatim", "text": web[8] + "\n\n" + paragraphs[1] + "\n\n" + web[9]})
    records.append({"id": "edited", "text": web[10] + "\n" + lightly_edited(paragraphs[4]) + "\n" + web[11]})
    return write_jsonl(tmp_path / "in.jsonl", records), web


def run(tmp_path: Path, step: Decontaminate) -> tuple[dict, dict]:
    path, _ = corpus(tmp_path)
    Pipeline(input={"path": str(path)}, output={"path": str(tmp_path / "out")}, steps=[step]).run(
        progress=False
    )
    kept = {d["id"]: d for d in read_all(tmp_path / "out" / "kept")}
    rejected = {d["id"]: d for d in read_all(tmp_path / "out" / "rejected")}
    return kept, rejected


def test_decontaminate_drops_verbatim_and_edited_contamination_and_keeps_clean_text(tmp_path: Path) -> None:
    jsonl, parquet = evaluation_files(tmp_path)
    sets = [str(jsonl), str(parquet)]
    kept, rejected = run(tmp_path, Decontaminate(sets=sets, field="question"))
    assert set(rejected) == {"verbatim", "edited"}
    assert set(kept) == {f"clean{i}" for i in range(8)}
    verbatim = rejected["verbatim"]["meta"]
    assert verbatim["reason"] == "decontaminate:bench.jsonl"
    assert verbatim["contamination"]["set"] == "bench.jsonl"
    ngram = verbatim["contamination"]["ngram"]
    assert len(ngram.split()) == 13 and ngram in " ".join(words(seed_paragraphs()[1]))
    assert rejected["edited"]["meta"]["reason"] == "decontaminate:other.parquet"
    assert all(d["signals"]["contaminated_ngrams"] == 0 for d in kept.values())


def test_decontaminate_cut_removes_only_the_overlapping_spans(tmp_path: Path) -> None:
    jsonl, parquet = evaluation_files(tmp_path)
    step = Decontaminate(sets=[str(jsonl), str(parquet)], field="question", action="cut")
    kept, rejected = run(tmp_path, step)
    assert not rejected
    _, web = corpus(tmp_path)
    cut = kept["verbatim"]["text"]
    assert cut.startswith(web[8]) and cut.endswith(web[9])
    assert seed_paragraphs()[1][:60] not in cut
    assert len(cut) < len(web[8]) + len(web[9]) + 10
    assert kept["verbatim"]["meta"]["contamination"]["set"] == "bench.jsonl"
    assert kept["clean0"]["text"] == web[0]


def test_decontaminate_text_sets_and_min_matches(tmp_path: Path) -> None:
    text = tmp_path / "eval.txt"
    text.write_text(seed_paragraphs()[0] + "\n", encoding="utf-8")
    normal = words(seed_paragraphs()[0])
    one = Document(id="one", text="intro " + " ".join(normal[:13]) + " outro")
    many = Document(id="many", text=" ".join(normal))
    step = Decontaminate(sets=[str(text)], min_matches=3)
    kept = list(step.apply([one, many], _Context()))
    assert [d.id for d in kept] == ["one"] and one.signals["contaminated_ngrams"] == 1


class _Context:
    def reject(self, doc: Document, reason: str) -> None:
        doc.meta["reason"] = reason


def test_decontaminate_bad_sets_are_one_line_errors(tmp_path: Path) -> None:
    jsonl, _ = evaluation_files(tmp_path)
    cases = {
        str(tmp_path / "missing.jsonl"): r"option 'sets': cannot read .*missing.jsonl",
        str(jsonl): r"bench.jsonl: line 1 has no text field 'text'",
    }
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    cases[str(tmp_path / "empty.txt")] = r"empty.txt: no text of 13 words or more in field 'text'"
    (tmp_path / "short.jsonl").write_text('{"text": "too short to match"}\n', encoding="utf-8")
    cases[str(tmp_path / "short.jsonl")] = r"short.jsonl: no text of 13 words or more"
    # A number is there, not missing: said as the reader says it of a record's text.
    (tmp_path / "number.jsonl").write_text('{"text": "a b"}\n{"text": 42}\n', encoding="utf-8")
    cases[str(tmp_path / "number.jsonl")] = r"number.jsonl: line 2: 'text' is a number, not a string"
    (tmp_path / "null.jsonl").write_text('{"text": null}\n', encoding="utf-8")
    cases[str(tmp_path / "null.jsonl")] = r"null.jsonl: line 1 has no text field 'text'"
    for path, message in cases.items():
        with pytest.raises(ConfigError, match=message) as error:
            Decontaminate(sets=[path])
        assert "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="no column 'text'"):
        Decontaminate(sets=[str(tmp_path / "other.parquet")])
    with pytest.raises(ConfigError, match="option 'max_ngrams': the evaluation sets hold more than 10"):
        Decontaminate(sets=[str(jsonl)], field="question", max_ngrams=10)
    with pytest.raises(ConfigError, match="option 'sets': must not be empty"):
        Decontaminate(sets=[])


def test_the_command_line_says_how_big_the_index_is(tmp_path: Path, run_cli) -> None:
    jsonl, _ = evaluation_files(tmp_path)
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "a clean page of its own words " * 5}])
    config = tmp_path / "p.yaml"
    step = f"decontaminate: {{sets: [{jsonl}], field: question}}"
    config.write_text(f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - {step}\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 0
    assert "gristmill: decontaminate: " in result.output and " n-grams " in result.output
    assert "gristmill: decontaminate: " not in run_cli("run", str(config), "--overwrite", "--quiet").output
