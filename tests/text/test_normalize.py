import random
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


def test_a_long_text_is_normalised_a_block_at_a_time_with_the_same_result() -> None:
    # Over 1 MB, the Unicode form is taken a block of lines at a time (4-byte buffers stay small).
    rng = random.Random(3)
    alphabet = list("ab \t\n\u00a0\u2003e\u0301\u0327A\u212b\ufb01")
    text = "".join(rng.choice(alphabet) for _ in range(1_500_000))
    for form in ("NFC", "NFKD"):
        assert normalize_text(text, form=form, whitespace=False, control=False) == unicodedata.normalize(
            form, text
        )
    already = unicodedata.normalize("NFC", text)
    assert normalize_text(already, form="NFC", whitespace=False, control=False) is already
