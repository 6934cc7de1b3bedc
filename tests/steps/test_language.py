import pytest

from gristmill.document import Document
from gristmill.errors import ConfigError
from gristmill.stats import StepContext, StepStats
from gristmill.steps.language import Language, identify, main_share
from gristmill.steps.registry import build_step

TEXTS = {
    "en": "The miller grinds rye and wheat every morning for the bakers of the village.",
    "de": "Der Müller mahlt jeden Morgen Roggen und Weizen für die Bäcker des Dorfes.",
    "fr": "Le meunier moud chaque matin du seigle et du blé pour les boulangers du village.",
    "es": "El molinero muele centeno y trigo cada mañana para los panaderos del pueblo.",
    "pt": "O moleiro mói centeio e trigo todas as manhãs para os padeiros da aldeia.",
    "ru": "Мельник каждое утро мелет рожь и пшеницу для пекарей деревни.",
    "zh": "我们今天去公园散步，天气非常好，大家都很开心。",
    "ja": "粉屋は毎朝、村のパン屋のためにライ麦と小麦を挽きます。",
}


def run(step, docs):
    dropped: list[Document] = []
    ctx = StepContext(StepStats(0, step.name), dropped.append)
    kept = list(step.apply(docs, ctx))
    return kept, [d.meta["reason"] for d in dropped]


@pytest.mark.parametrize(("code", "text"), TEXTS.items())
def test_identifies_short_texts(code, text):
    language, score = identify(text)
    assert language == code
    assert 0.5 < score <= 1.0


def test_keep_and_min_score_drop_with_reasons():
    docs = [Document(id=c, text=t) for c, t in TEXTS.items()]
    kept, reasons = run(Language(keep=["en", "de", "ceb"], min_score=0.6), docs)
    assert [d.id for d in kept] == ["en", "de"]
    assert reasons == ["language:not_kept"] * 6
    assert kept[0].meta["language"] == "en" and kept[0].signals["language_score"] > 0.6


def test_low_score_reason():
    kept, reasons = run(Language(min_score=0.99), [Document(id="x", text="ok ok 12 34 hm")])
    assert kept == [] and reasons == ["language:low_score"]


def test_empty_text_is_undetermined():
    (doc,), _ = run(Language(), [Document(id="e", text="  \n ")])
    assert doc.meta["language"] == "und" and doc.signals["language_score"] == 0.0


def test_an_empty_text_is_dropped_as_empty_not_as_a_language_not_kept():
    # It was "language:not_kept" (its language "und" not in keep), which reads as a verdict on its language.
    docs = [
        Document(id="e", text=" \n"),
        Document(id="en", text=TEXTS["en"]),
        Document(id="f", text=TEXTS["fr"]),
    ]
    kept, reasons = run(Language(keep=["en"]), docs)
    assert [d.id for d in kept] == ["en"] and reasons == ["language:empty", "language:not_kept"]
    _, reasons = run(Language(min_score=0.5), [Document(id="e", text="")])
    assert reasons == ["language:empty"]


def test_mixed_language_share_and_sentence_flags():
    english = [
        TEXTS["en"],
        "In winter the brook freezes and the wheel of the old mill stands still for weeks.",
        "Schools and tourists come to watch how the grain becomes flour in the mill.",
    ]
    text = "\n".join([*english, TEXTS["de"]])
    (doc,), _ = run(Language(), [Document(id="m", text=text)])
    assert doc.meta["language"] == "en"
    german_share = len(TEXTS["de"]) / len(text.replace("\n", ""))
    assert doc.signals["language_main_share"] == pytest.approx(1 - german_share, abs=1e-4)
    assert main_share(TEXTS["en"], "en") == 1.0
    flags = Language().sentence_flags(doc, text.split("\n"))
    assert flags == {3: ["lang:de"]}


def test_options_are_checked():
    with pytest.raises(ConfigError, match="'keep'"):
        build_step("language", {"keep": ["English"]})
    with pytest.raises(ConfigError, match="'min_score'"):
        build_step("language", {"min_score": 2})


def test_the_per_line_share_is_computed_for_kept_documents_only():
    german = Document(id="de", text="\n".join([TEXTS["de"]] * 3))
    english = Document(id="en", text="\n".join([TEXTS["en"]] * 3))
    kept, reasons = run(Language(keep=["en"]), [german, english])
    assert [d.id for d in kept] == ["en"] and reasons == ["language:not_kept"]
    assert "language_main_share" in english.signals
    assert "language_main_share" not in german.signals and german.meta["language"] == "de"


def test_identify_gives_what_fasttexts_own_predict_gives() -> None:
    # identify calls fastText's compiled predict without its Python wrapper; the label and the score
    # must be the wrapper's, exactly, on every kind of text it is given (documents, lines, sentences).
    import re

    from gristmill.steps.language import _model

    lines = [line for text in TEXTS.values() for line in (text, text[:45], f"{text}\n\t{text}  x")]
    lines += ["12345 67890 !!!", "x", "\xa0Müller\u3000mahlt", "🙂 🙂 🙂"]
    for text in lines:
        flat = re.sub(r"\s+", " ", text).strip()
        labels, scores = _model().predict(flat, k=1)
        assert identify(text) == (labels[0].removeprefix("__label__"), min(1.0, float(scores[0])))


def test_identify_answers_as_fasttext_does_on_the_text_flattened_whatever_its_whitespace() -> None:
    # identify hands fastText the text with only the whitespace its tokenizer would misread replaced:
    # the answer must be that of the text with every run of whitespace made one space, as datatrove
    # and earlier runs flattened it, on every kind of whitespace, at the length cut too.
    import random
    import re

    from gristmill.steps.language import _MAX_CHARS, _model

    rng = random.Random(11)
    pieces = [
        "the",
        "mill",
        "Mühle",
        " ",
        "  ",
        "\n",
        "\t",
        "\r\n",
        "\x0b",
        "\x0c",
        "\x00",
        "\xa0",
        "\u2028",
        "\u2029",
        "\x1c",
        "\x1f",
        "\x85",
        "\u3000",
        "\u2009",
        "\u202f",
        "\u200b",
        " \n ",
        "é",
        "grinds",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    texts += [
        "word " * (_MAX_CHARS // 5 - 1) + "ab\ncd",
        "x" * (_MAX_CHARS - 1) + "\xa0tail",
        "\x00",
        "\x00 \xa0",
    ]
    for text in texts:
        flat = re.sub(r"\s+", " ", text[:_MAX_CHARS]).strip()
        if not flat:
            assert identify(text) == ("und", 0.0), repr(text)
            continue
        ((score, label),) = _model().f.predict(flat + "\n", 1, 0.0, "strict")
        assert identify(text) == (label.removeprefix("__label__"), min(1.0, score)), repr(text)


def test_the_whitespace_fasttext_does_not_split_on_is_all_of_pythons_but_its_own() -> None:
    # fastText's tokenizer splits words on " \t\v\f\r\0" and ends a line at "\n"; every other character
    # Python calls whitespace must be replaced before it reads the text, and only those.
    from gristmill.steps.language import _NOT_FASTTEXT_SPACE

    others = {chr(c) for c in range(0x110000) if chr(c).isspace()} - set(" \t\n\v\f\r")
    assert {chr(c) for c in range(0x110000) if _NOT_FASTTEXT_SPACE.match(chr(c))} == others


def test_the_per_line_share_remembers_lines_within_bounds_and_answers_the_same() -> None:
    from gristmill.steps import language

    mixed = "\n".join([TEXTS["en"], TEXTS["de"], TEXTS["fr"], "short", TEXTS["en"] + " " + "x" * 1000])
    language._LINES.clear()
    first = main_share(mixed, "en")
    # The three prose lines are remembered; the line over 1,000 characters and the short one are not.
    assert set(language._LINES) == {TEXTS["en"], TEXTS["de"], TEXTS["fr"]}
    assert language._LINES[TEXTS["de"]] == "de"
    assert main_share(mixed, "en") == first  # answered from what was remembered
    # Full: it starts again empty rather than growing.
    language._LINES.update(
        (f"line {i} " * 8, "en") for i in range(language._LINES_KEPT - len(language._LINES))
    )
    main_share(TEXTS["es"] + " " + TEXTS["pt"], "es")
    assert len(language._LINES) == 1


def _judged(docs: list[Document]) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Run the step as a pipeline does (through Isolated): kept ids, (id, reason) in the order
    rejected, and the ids set aside for an error."""
    from gristmill.engine.isolate import Isolated

    stats = StepStats(0, "language")
    rejected: list[tuple[str, str]] = []
    errors: list[str] = []
    isolated = Isolated(stats, lambda doc, exc: errors.append(doc.id))
    ctx = StepContext(
        stats,
        isolated.settling(lambda doc: rejected.append((doc.id, doc.meta["reason"]))),
        on_error=isolated.setting_aside(),
    )
    step = Language(keep=["en", "de"], min_score=0.5)
    kept = [doc.id for doc in isolated.run(lambda stream: step.apply(stream, ctx), docs)]
    return kept, rejected, errors


def test_documents_are_settled_in_the_order_they_came_whatever_the_batches() -> None:
    texts = list(TEXTS.values())
    docs = [Document(id=str(i), text=texts[i * 7 % len(texts)] + f" {i}") for i in range(300)]
    kept, rejected, errors = _judged(docs)
    one_by_one = [
        (d.id, Language(keep=["en", "de"], min_score=0.5).verdict(Language().annotate(d))) for d in docs
    ]
    assert kept == [i for i, verdict in one_by_one if verdict is True]
    assert rejected == [(i, f"language:{verdict}") for i, verdict in one_by_one if verdict is not True]
    assert errors == [] and len(kept) + len(rejected) == 300


def test_only_the_document_the_step_raises_on_is_set_aside() -> None:
    # fastText refuses a text holding a lone surrogate (only the Python API can make one).
    docs = [Document(id=str(i), text=TEXTS["en" if i % 3 else "fr"] + f" {i}") for i in range(100)]
    docs[10].text += " \ud800"
    docs[70].text += " \ud800"
    kept, rejected, errors = _judged(docs)
    assert errors == ["10", "70"]
    assert kept == [str(i) for i in range(100) if i % 3 and i not in (10, 70)]
    assert [i for i, _ in rejected] == [str(i) for i in range(100) if not i % 3]


def test_the_codes_keep_takes_are_the_models_labels() -> None:
    from gristmill.steps.language import LANGUAGE_CODES, _model

    assert {label.removeprefix("__label__") for label in _model().get_labels()} == LANGUAGE_CODES


@pytest.mark.parametrize(("code", "hint"), [("xx", ""), ("eng", "did you mean 'en'?"), ("ger", "")])
def test_a_code_the_model_never_gives_is_one_line(code: str, hint: str) -> None:
    # keep: [xx] ran and dropped every document as language:not_kept.
    with pytest.raises(ConfigError, match=f"option 'keep': {code!r} is no language the model names") as error:
        build_step("language", {"keep": ["en", code]})
    assert hint in str(error.value) and "\n" not in str(error.value)
