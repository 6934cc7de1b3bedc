"""The codes the ``language`` step writes in ``meta.language``, and the one meant by a code it does not.

A light module (no model, no step): ``language``'s ``keep`` and the quality filters' ``by_language``
both name these codes, and both refuse another in one line with the code meant.
"""

from __future__ import annotations

import difflib

# The codes the model names (its labels without the prefix; a test checks them against the model):
# ISO 639-1 where one exists, else the code Wikipedia uses (``als`` is Alemannic there).
LANGUAGE_CODES = frozenset(
    """af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs
    cv cy da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr
    hsb ht hu hy ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc
    lt lv mai mg mhr min mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa
    pam pfl pl pms pnb ps pt qu rm ro ru rue sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg
    th tk tl tr tt tyv ug uk ur uz vec vep vi vls vo wa war wuu xal xmf yi yo yue zh""".split()
)

# Three-letter codes (ISO 639-3 and 639-2/B) of the languages the model names by two letters, and the
# individual languages FineWeb-2 names for a macrolanguage (cmn_Hani: zh; als_Latn, Tosk: sq): a
# pipeline written for FineWeb-2 (``deu_Latn``) is told ``de``, which string likeness would not find
# (``spa`` is nearest ``sa``, Sanskrit).
_THREE_LETTERS = dict(
    pair.split(":")
    for pair in """
    afr:af alb:sq als:sq amh:am ara:ar arb:ar arg:an arm:hy asm:as ava:av aze:az azj:az bak:ba baq:eu
    bel:be ben:bn bih:bh bod:bo bos:bs bre:br bul:bg bur:my cat:ca ces:cs che:ce chi:zh chv:cv cmn:zh
    cor:kw cos:co cym:cy cze:cs dan:da deu:de div:dv dut:nl ekk:et ell:el eng:en epo:eo est:et eus:eu
    fas:fa fil:tl fin:fi fra:fr fre:fr fry:fy geo:ka ger:de gla:gd gle:ga glg:gl glv:gv gre:el grn:gn
    gsw:als guj:gu hat:ht hbs:sh heb:he hin:hi hrv:hr hun:hu hye:hy ice:is ido:io ile:ie ina:ia ind:id
    isl:is ita:it jav:jv jpn:ja kan:kn kat:ka kaz:kk khk:mn khm:km kir:ky kom:kv kor:ko kur:ku lao:lo
    lat:la lav:lv lim:li lit:lt ltz:lb lvs:lv mac:mk mal:ml mar:mr may:ms mkd:mk mlg:mg mlt:mt mon:mn
    msa:ms mya:my nep:ne nld:nl nno:nn nob:no nor:no npi:ne oci:oc ori:or ory:or oss:os pan:pa per:fa
    pes:fa plt:mg pol:pl por:pt pus:ps que:qu roh:rm ron:ro rum:ro rus:ru san:sa sin:si slk:sk slo:sk
    slv:sl snd:sd som:so spa:es sqi:sq srd:sc srp:sr sun:su swa:sw swe:sv swh:sw tam:ta tat:tt tel:te
    tgk:tg tgl:tl tha:th tib:bo tuk:tk tur:tr uig:ug ukr:uk urd:ur uzb:uz uzn:uz vie:vi vol:vo wel:cy
    wln:wa yid:yi yor:yo zho:zh zsm:ms pbt:ps pst:ps kmr:ku ydd:yi quy:qu quz:qu gug:gn kpv:kv prs:fa
    """.split()
)


def nearest_code(code: str) -> str | None:
    """The code of ``LANGUAGE_CODES`` meant by ``code``, one it is not, or None when none is near.

    A region or script goes (``en-US``, ``arz_Arab``: ``en``, ``arz``), a three-letter code becomes
    the model's (``deu_Latn``: ``de``; one the table lacks gets none: ``und`` is no language, and
    ``tok`` is not ``tk``), else the likest string (``EN``: ``en``).
    """
    base = code.replace("-", "_").split("_", 1)[0].lower()
    if base in _THREE_LETTERS:
        return _THREE_LETTERS[base]
    if base in LANGUAGE_CODES:
        return base
    if len(base) == 3 and base.isalpha():  # a three-letter code the table lacks: likeness misleads (und: nds)
        return None
    near = difflib.get_close_matches(code, sorted(LANGUAGE_CODES), n=1)
    return near[0] if near else None


def code_hint(code: str) -> str:
    """``did you mean 'de'?`` for a code the model does not name, or what its codes are."""
    near = nearest_code(code)
    return f"did you mean {near!r}?" if near else "codes are ISO 639-1 where one exists ('de')"
