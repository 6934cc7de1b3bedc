from __future__ import annotations

import pytest

from gristmill import ConfigError, Document, PiiRedact
from gristmill.inspect import inspect_document
from gristmill.steps.registry import build_step
from gristmill.text.pii import PII_KINDS, find_pii, luhn_ok

from .pii_cases import LOOKALIKES, build_cases, score


def test_labelled_set_meets_the_goal_for_every_kind() -> None:
    results = score(build_cases())
    for kind in PII_KINDS:
        assert results[kind]["true"] >= 40, kind
        assert results[kind]["precision"] >= 0.95, (kind, results[kind])
        assert results[kind]["recall"] >= 0.90, (kind, results[kind])


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_are_left_alone(text: str) -> None:
    assert find_pii(text) == []


def test_seed_address_is_caught(seed_text: str) -> None:
    matches = find_pii(seed_text)
    assert [(m.kind, m.text) for m in matches] == [("address", "945 Magazine Street, New Orleans, LA 70130")]


def test_redaction_uses_typed_placeholders_and_counts() -> None:
    doc = Document(
        "d",
        "Write to jane.doe@example.com or call +44 20 7946 0958 from 192.168.0.1; "
        "card 4111 1111 1111 1111; office at 221B Baker Street, London NW1 6XE.",
    )
    PiiRedact().transform(doc)
    assert doc.text == "Write to <EMAIL> or call <PHONE> from <IP>; card <CARD>; office at <ADDRESS>."
    assert doc.signals == {"pii_email": 1, "pii_phone": 1, "pii_ip": 1, "pii_card": 1, "pii_address": 1}


def test_redact_option_limits_the_kinds() -> None:
    doc = Document("d", "Mail jane@example.com from 10.0.0.1.")
    build_step("pii", {"redact": ["email"]}).transform(doc)  # type: ignore[attr-defined]
    assert doc.text == "Mail <EMAIL> from 10.0.0.1."
    assert doc.signals == {"pii_email": 1}
    with pytest.raises(ConfigError, match="redact"):
        build_step("pii", {"redact": ["passport"]})


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")


def test_inspect_flags_pii_sentences(seed_text: str) -> None:
    result = inspect_document(Document("seed", seed_text), [PiiRedact()])
    flagged = [s["flags"] for s in result["sentences"] if s["flags"]]
    assert flagged == [["pii:address"]]


# Real Dolma text (cc_en_head, pineviewfarm.net/weblog/2009/06/): a heading ending in a comment count,
# then the next paragraph. The street-address pattern once read "0\n\nMinnesota Supreme Court" as a
# house number and a street, merging the two paragraphs and deleting their words.
BLOG_HEADINGS = (
    "There’s more.\n\nColeman’s Lantern Burning Out 0\n\nMinnesota Supreme Court rules that the winner of "
    "the election won the election.\n\nFlowcharting Gay Marriage 0\n\nA picture is worth a thousand words "
    "(click the graphic for a larger image):\n\nVia Delaware Liberal.\n"
)
# Real Dolma text (bufvc.ac.uk): an address written over two lines, the street on one.
FOOTER_ADDRESS = (
    "Training Courses\nFacilities Hire\n77 Wells Street\nLondon, W1T 3QJ\nTel. 020 7393 1500\n"
    "E-mail: ask@bufvc.ac.uk\nTwitter: @LearnonScreen\n"
)


def test_an_address_never_spans_a_paragraph_break() -> None:
    assert find_pii(BLOG_HEADINGS) == []
    doc = Document("d", BLOG_HEADINGS)
    PiiRedact().transform(doc)
    assert doc.text == BLOG_HEADINGS


def test_the_street_line_of_an_address_on_two_lines_is_redacted() -> None:
    doc = Document("d", FOOTER_ADDRESS)
    PiiRedact().transform(doc)
    assert doc.text == FOOTER_ADDRESS.replace("77 Wells Street", "<ADDRESS>").replace(
        "020 7393 1500", "<PHONE>"
    ).replace("ask@bufvc.ac.uk", "<EMAIL>")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\u2028"])
def test_no_find_of_any_kind_crosses_a_line_break(newline: str) -> None:
    # Every labelled text with each space a line break: whatever is still found lies on one line.
    for case in build_cases():
        text = case.text.replace(" ", newline)
        crossing = [m for m in find_pii(text) if len(m.text.splitlines()) > 1]
        assert crossing == [], text


@pytest.mark.parametrize(
    "text",
    [
        BLOG_HEADINGS,
        FOOTER_ADDRESS,
        # The address goes on past a sentence's end, into the next sentence: both are redacted.
        "Write to us at 10 Downing Street. SW1A 2AA is the postcode.\nThanks for reading.",
    ],
)
def test_inspect_flags_the_sentences_the_run_redacts(text: str) -> None:
    redacted = Document("d", text)
    PiiRedact().transform(redacted)
    result = inspect_document(Document("d", text), [PiiRedact()])
    flagged = [s["text"] for s in result["sentences"] if s["flags"]]
    changed = [s["text"] for s in result["sentences"] if s["text"] not in redacted.text]
    assert flagged == changed
