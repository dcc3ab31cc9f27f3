"""The paste engine over the corpus of real published texts (tests/corpus/).

Each fixture is a UTF-8 text as published plus a JSON sidecar with its source and the
expected split, recorded with scripts/paste_corpus_golden.py after reading the document.
``manual_fixes`` says, honestly, what a clerk would still have to correct in the preview.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.paste_render import pdf_copy, web_copy, word_copy
from tracker.paste import find_promises, split_inquiry, split_opinion

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
sys.path.insert(0, str(ROOT / "scripts"))
from paste_corpus_golden import expectation  # noqa: E402

FIXTURES = sorted(CORPUS.glob("*.json"))
META = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in FIXTURES}
OPINIONS = sorted(k for k, m in META.items() if m["kind"] == "opinion")
INQUIRIES = sorted(k for k, m in META.items() if m["kind"] == "inquiry")


def text_of(name: str) -> str:
    return (CORPUS / META[name]["file"]).read_text(encoding="utf-8")


def test_corpus_is_big_enough_and_documented():
    assert len(META) >= 12
    assert len(INQUIRIES) >= 2
    inquiry_layouts = {m["expected"]["split"]["layout"] for m in META.values() if m["kind"] == "inquiry"}
    assert {"labelled", "news"} <= inquiry_layouts
    for name, meta in META.items():
        assert meta["source_url"], name
        assert meta["title"] and meta["organisation"], name
        assert (CORPUS / meta["file"]).is_file(), name
        assert "expected" in meta, name
        text_of(name).encode("utf-8")  # stored as UTF-8


@pytest.mark.parametrize("name", sorted(META))
def test_fixture_splits_as_recorded(name):
    meta = META[name]
    assert expectation(meta, text_of(name)) == meta["expected"]


def _shape(split):
    return [(p.display_ref, p.parent, p.text) for p in split.points], split.closing


@pytest.mark.parametrize("name", [n for n in OPINIONS if META[n]["expected"]["split"]["numbered"]])
def test_word_copy_of_an_opinion_splits_the_same(name):
    """Page footers, running headers and hard line breaks change nothing."""
    clean = split_opinion(text_of(name))
    ugly = split_opinion(word_copy(text_of(name)))
    assert _shape(ugly) == _shape(clean)
    assert any(line.startswith("— ") for line in ugly.removed_lines)


@pytest.mark.parametrize("name", [n for n in OPINIONS if META[n]["expected"]["split"]["numbered"]])
def test_pdf_copy_of_an_opinion_splits_into_the_same_points(name):
    """Without indents a paragraph that ends exactly at the line end is ambiguous: the
    points and their words must be the same; only line breaks inside a point may differ."""
    def words(split):
        return [(p.display_ref, p.parent, p.text.replace("\n", "")) for p in split.points]

    assert words(split_opinion(pdf_copy(text_of(name)))) == words(split_opinion(text_of(name)))


@pytest.mark.parametrize("name", [n for n in OPINIONS if META[n]["expected"]["split"]["numbered"]])
def test_web_copy_of_an_opinion_splits_the_same(name):
    clean = split_opinion(text_of(name))
    ugly = split_opinion(web_copy(text_of(name)))
    assert _shape(ugly)[0] == _shape(clean)[0]
    assert "打印本页" in ugly.removed_lines and "下一篇：无" in ugly.removed_lines


@pytest.mark.parametrize("name", INQUIRIES)
def test_word_copy_of_an_inquiry_pairs_the_same(name):
    def pairs(exchanges):
        return [(e.asker and e.asker.name, [a.speaker.name for a in e.answers], e.answer_text) for e in exchanges]

    assert pairs(split_inquiry(word_copy(text_of(name)))) == pairs(split_inquiry(text_of(name)))


def test_promise_in_a_question_is_not_a_promise():
    """zbrd 2015: "计划年底前淘汰…" is quoted inside a member's question."""
    text = text_of("zbrd-2015-zibo-livelihood-inquiry-news")
    question = next(line for line in text.splitlines() if "计划年底前淘汰" in line)
    assert find_promises(question, date(2015, 11, 1)) == []


def test_scspc_promise_has_the_rule_beside_it():
    exchanges = split_inquiry(text_of("scspc-2011-bazhou-inquiry-news"))
    (promise,) = find_promises(exchanges[0].answer_text, date(2009, 11, 2))
    assert promise.due == date(2009, 12, 31)
    assert promise.rule == "“年底前”→ 基准日期所在年 12 月 31 日"
    assert "力争在年底前彻底化解" in promise.sentence


def test_manual_fix_count_is_reported():
    """The number quoted in the report; fails if someone edits fixtures without updating it."""
    fixes = sum(len(m["manual_fixes"]) for m in META.values())
    needing = sum(1 for m in META.values() if m["manual_fixes"])
    assert (len(META), needing, fixes) == (22, 9, 11)
