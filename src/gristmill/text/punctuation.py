"""Character and word sets the quality rules share: punctuation, sentence ends, stop words."""

from __future__ import annotations

# Punctuation and control characters: a token made only of these is a symbol, not a word. The set
# is the one FineWeb's and Gopher's reference code (datatrove) uses, so counts agree with it.
PUNCTUATION = frozenset(
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
    + "".join(chr(c) for c in (*range(0, 9), *range(11, 32), *range(127, 160)))
)

# Characters that end a sentence in some script (Unicode's Sentence_Terminal property).
TERMINAL_PUNCTUATION = frozenset(
    "!.?։؝؞؟۔܀܁܂߹࠷࠹࠽࠾।॥၊။።፧፨᙮᜵᜶។៕៖៙៚᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᭽᭾᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼⹓⹔。꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？｡"
    "𐩖𐩗𐽕𐽖𐽗𐽘𐽙𐾆𐾇𐾈𐾉𑁇𑁈𑂾𑂿𑃀𑃁𑅁𑅂𑅃𑇅𑇆𑇍𑇞𑇟𑈸𑈹𑈻𑈼𑊩𑑋𑑌𑗂𑗃𑗉𑗊𑗋𑗌𑗍𑗎𑗏𑗐𑗑𑗒𑗓𑗔𑗕𑗖𑗗𑙁𑙂𑜼𑜽𑜾𑥄𑥆𑩂𑩃𑪛𑪜𑱁𑱂𑻷𑻸\U00011f43\U00011f44"
    "𖩮𖩯𖫵𖬷𖬸𖭄𖺘𛲟𝪈"
)
SYMBOL_CHARS = PUNCTUATION | TERMINAL_PUNCTUATION

# The eight stop words of Gopher (Rae et al. 2021): a document must hold at least two of them.
GOPHER_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")


def is_symbol(token: str) -> bool:
    """Whether ``token`` consists of punctuation only."""
    return all(ch in SYMBOL_CHARS for ch in token)
