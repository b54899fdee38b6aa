"""Reader mode's extraction, measured: trafilatura against readability-lxml on the
article pages in tests/fixtures/reader (a news story with navigation, asides, a
cookie banner and related links; a blog post with comments; a live blog; a page
whose text sits in <div>s only; a German page; a paywall teaser).

For each page: how many of the main text's phrases survived (kept), how many
boilerplate phrases leaked in (leaked), and milliseconds per page (the median of
``--rounds`` runs). Prints a table; asserts nothing.

    python bench/bench_reader_extract.py [--rounds 20]

trafilatura is the project's dependency; readability-lxml is only needed to run
the comparison (pip install readability-lxml).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from tui.text.html import html_to_plain

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reader"


def _trafilatura(page: str) -> str:
    import trafilatura

    return trafilatura.extract(page, output_format="html", include_links=True, favor_precision=False) or ""


def _trafilatura_module(page: str) -> str:
    from tui.text.extract import extract_main

    return extract_main(page).html


def _readability(page: str) -> str:
    from readability import Document  # type: ignore[import-not-found,import-untyped]

    return Document(page).summary(html_partial=True)


def measure(extract: Callable[[str], str], rounds: int) -> list[tuple[str, int, int, int, int, float]]:
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    rows = []
    for name, want in expected.items():
        page = (FIXTURES / name).read_text(encoding="utf-8")
        text = " ".join(html_to_plain(extract(page)).split())
        kept = sum(1 for p in want["keep"] if p in text)
        leaked = sum(1 for p in want["drop"] if p in text)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            extract(page)
            times.append((time.perf_counter() - start) * 1000)
        rows.append((name, kept, len(want["keep"]), leaked, len(want["drop"]), statistics.median(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    candidates: dict[str, Callable[[str], str]] = {
        "trafilatura": _trafilatura,
        "tui.text.extract": _trafilatura_module,
    }
    try:
        import readability  # type: ignore[import-not-found,import-untyped]  # noqa: F401

        candidates["readability-lxml"] = _readability
    except ImportError:
        print("(readability-lxml is not installed: pip install readability-lxml to compare)")
    print(f"{'library':<18} {'page':<14} {'kept':>7} {'leaked':>7} {'ms/page':>8}")
    for label, extract in candidates.items():
        extract(FIXTURES.joinpath("news.html").read_text(encoding="utf-8"))  # imports and warm-up
        rows = measure(extract, args.rounds)
        for name, kept, keep_n, leaked, drop_n, ms in rows:
            print(f"{label:<18} {name:<14} {kept:>3}/{keep_n:<3} {leaked:>3}/{drop_n:<3} {ms:>8.2f}")
        kept = sum(r[1] for r in rows)
        keep_n = sum(r[2] for r in rows)
        leaked = sum(r[3] for r in rows)
        drop_n = sum(r[4] for r in rows)
        ms = statistics.mean(r[5] for r in rows)
        print(f"{label:<18} {'ALL':<14} {kept:>3}/{keep_n:<3} {leaked:>3}/{drop_n:<3} {ms:>8.2f}")


if __name__ == "__main__":
    main()
