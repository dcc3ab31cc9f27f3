"""Write or check the expected splits of tests/corpus/ (the paste engine's golden files).

Usage: python scripts/paste_corpus_golden.py [--write]

Without --write it prints, per fixture, what the engine produces now and how it differs
from the recorded expectation; with --write it records the current output as expected,
keeping the hand-written metadata (source, manual_fixes).  Review every diff by reading the
document before writing: the expectation is what a clerk should see in the preview.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.paste import find_promises, parse_inquiry, split_opinion  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"


def opinion_expectation(text: str) -> dict:
    r = split_opinion(text)
    refs = [p.display_ref for p in r.points]
    return {
        "numbered": r.numbered,
        "title": r.title,
        "points": [[p.display_ref, refs[p.parent] if p.parent is not None else None] for p in r.points],
        "preamble_starts": r.preamble[:20],
        "closing": r.closing,
        "warnings": list(r.warnings),
        "removed": list(r.removed_lines),
    }


def inquiry_expectation(text: str, base: date | None) -> dict:
    r = parse_inquiry(text)
    exchanges = []
    for e in r.exchanges:
        q = e.question
        item = {
            "asker": [q.speaker.name, q.speaker.post] if q else None,
            "answerers": [[a.speaker.name, a.speaker.post, a.speaker.unit] for a in e.answers],
            "follow_up": e.follow_up,
            "warnings": list(e.warnings),
        }
        if base:
            item["promises"] = [[p.phrase, p.due.isoformat()] for p in find_promises(e.answer_text, base)]
        exchanges.append(item)
    return {"layout": r.layout, "exchanges": exchanges, "dropped": len(r.dropped), "warnings": list(r.warnings)}


def expectation(meta: dict, text: str) -> dict:
    base = date.fromisoformat(meta["base_date"]) if meta.get("base_date") else None
    out: dict = {}
    if meta["kind"] == "opinion":
        out["split"] = opinion_expectation(text)
    else:
        out["split"] = inquiry_expectation(text, base)
    if base and meta.get("promises_over_whole_text"):
        out["promises"] = [[p.phrase, p.due.isoformat()] for p in find_promises(text, base)]
    return out


def main(write: bool) -> int:
    changed = 0
    for meta_path in sorted(CORPUS.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        text = (CORPUS / meta["file"]).read_text(encoding="utf-8")
        now = expectation(meta, text)
        if now != meta.get("expected"):
            changed += 1
            print(f"--- {meta_path.name}\n  recorded: {json.dumps(meta.get('expected'), ensure_ascii=False)}"
                  f"\n  now:      {json.dumps(now, ensure_ascii=False)}")
            if write:
                meta["expected"] = now
                meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{changed} fixture(s) differ")
    return 1 if changed and not write else 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv))
