"""Timing of the paste splitter on 50-page pastes built from the real corpus texts.

A clerk pastes a whole 审议意见 or a 专题询问 transcript copied out of Word; the preview
must come back at once.  This reports the time to split a Word copy of all corpus texts
of each kind, repeated until it is at least 50 公文 pages long (28 × 22 characters a page),
and to find the dated promises in the inquiry one — the least and the median of ``--runs`` runs, wall and CPU time.
The tests only check that the time grows linearly (tests/paste_render.cpu_growth); the
time itself belongs here, where a busy machine cannot fail the build.

Usage: ``python -m bench.paste_bench [--pages 50] [--runs 7]``
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

from tests.paste_render import LINE_WIDTH, LINES_PER_PAGE, word_copy
from tracker.limits import DOCUMENT_TEXT
from tracker.paste import find_promises, split_inquiry, split_opinion

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"


def corpus_text(kind: str) -> str:
    texts = []
    for meta_path in sorted(CORPUS.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["kind"] == kind:
            texts.append((CORPUS / meta["file"]).read_text(encoding="utf-8"))
    return word_copy("\n".join(texts))


def pasted(kind: str, pages: int) -> str:
    one = corpus_text(kind)
    want = pages * LINE_WIDTH * LINES_PER_PAGE
    text = "\n".join([one] * max(1, -(-want // len(one))))
    if len(text) > DOCUMENT_TEXT:  # the longest text the form takes, cut at a line end
        text = text[: text.rindex("\n", 0, DOCUMENT_TEXT)]
    return text


def timed(work, text: str, runs: int) -> dict[str, float]:
    work(text)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work(text)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_min_ms": min(walls) * 1000, "wall_median_ms": statistics.median(walls) * 1000,
            "cpu_min_ms": min(cpus) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| paste | characters | wall min ms | wall median ms | CPU min ms |\n|---|---|---|---|---|")
    meeting = date(2025, 9, 15)
    for kind, work, source in (("opinion", split_opinion, "opinion"), ("inquiry", split_inquiry, "inquiry"),
                               ("promises in an inquiry", lambda text: find_promises(text, meeting), "inquiry")):
        text = pasted(source, args.pages)
        t = timed(work, text, args.runs)
        print(f"| {kind} | {len(text):,} | {t['wall_min_ms']:.1f} | {t['wall_median_ms']:.1f} "
              f"| {t['cpu_min_ms']:.1f} |")


if __name__ == "__main__":
    main()
