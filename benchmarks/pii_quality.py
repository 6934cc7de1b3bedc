"""Precision and recall of PII finding per kind on the labelled set the tests build.

The set (tests/steps/pii_cases.py) holds true e-mails, phones (US, UK, DE, FR, IN, JP forms), IPv4 and
IPv6 addresses, Luhn-valid cards (Visa, Mastercard, Amex, Discover) and US/UK street addresses in
sentences, plus look-alikes that are not PII: versions, dates, times, ISBNs, prices, order and
tracking numbers, SKUs, UUIDs. gristmill runs on all of it; scrubadub (if installed, offline
detectors only) on the kinds it covers. Goal for gristmill: precision >= 0.95, recall >= 0.90.

    .venv-bench/bin/python benchmarks/pii_quality.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "steps"))

from pii_cases import LOOKALIKES, build_cases, gristmill_finder, score

SCRUBADUB_KINDS = {"email": "email", "phone": "phone", "credit_card": "card"}


def scrubadub_finder():  # type: ignore[no-untyped-def]
    try:
        import scrubadub
    except ImportError:
        return None
    scrubber = scrubadub.Scrubber()

    def find(text: str) -> list[tuple[int, int, str]]:
        return [
            (f.beg, f.end, SCRUBADUB_KINDS[f.type])
            for f in scrubber.iter_filth(text)
            if f.type in SCRUBADUB_KINDS
        ]

    return find


def main() -> None:
    cases = build_cases()
    print(f"{len(cases)} labelled texts, {len(LOOKALIKES)} of them look-alikes with no PII\n")
    finders = {"gristmill": (gristmill_finder, ("email", "phone", "ip", "card", "address"))}
    other = scrubadub_finder()
    if other is not None:
        finders["scrubadub"] = (other, ("email", "phone", "card"))
    print(f"{'tool':<10} {'kind':<8} {'true':>5} {'precision':>10} {'recall':>7} {'false+':>7}")
    for tool, (finder, kinds) in finders.items():
        start = time.perf_counter()
        results = score(cases, finder, kinds)
        seconds = time.perf_counter() - start
        for kind, r in results.items():
            print(
                f"{tool:<10} {kind:<8} {r['true']:>5} {r['precision']:>10.3f} {r['recall']:>7.3f} "
                f"{r['false_positives']:>7}"
            )
        print(f"{tool:<10} {len(cases) / seconds:,.0f} texts/s\n")


if __name__ == "__main__":
    main()
