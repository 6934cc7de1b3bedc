import unicodedata

from gristmill.text import normalize_text


def test_nfc_controls_and_whitespace() -> None:
    decomposed = unicodedata.normalize("NFD", "café")
    text = f"  {decomposed}\x00 and\u200b   tea \r\n\r\n\r\n\tnext  line \x07"
    assert normalize_text(text) == "café and tea\n\nnext line"


def test_options_turn_parts_off() -> None:
    text = "a  b\x01"
    assert normalize_text(text, control=False) == "a b\x01"
    assert normalize_text(text, whitespace=False) == "a  b"
    decomposed = unicodedata.normalize("NFD", "é")
    assert normalize_text(decomposed, form=None) == decomposed
