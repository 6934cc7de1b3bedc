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
