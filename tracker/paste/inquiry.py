"""Pair the questions and answers of a pasted 专题询问 record.

Published records come in several layouts; the corpus has all of these:

* labelled turns — "陈彦文委员问：…", "市食药委主任王建军：…", "主持人：…";
* 问/答 turns — "问（王某某委员）：…" / "答（区教育局局长张某某）：…", or a bare
  "问：" / "答：" after a line that names the person, or "……负责人答：…";
* bracketed speakers — "【……记者】…" / "【……巡视员 傅文杰】…";
* news paragraphs — "…委员谢家森…问道：“…”" followed by "…局长…表示，…".

A question starts an exchange; every answer until the next question belongs
to it (several officials may answer one question).  Host remarks are kept as
context, reporters' lines are dropped and listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.limits import DOCUMENT_TEXT, EmptyText, check_text

from .cleaning import clean_paste
from .speakers import Role, Speaker, looks_like_speaker, parse_speaker

__all__ = ["Exchange", "InquirySplit", "Speaker", "Turn", "parse_inquiry", "split_inquiry"]

FIELD = "询问记录全文"

_QA_PAREN = re.compile(r"^(?P<qa>问|答|询问|回答|答复)\s*[（(](?P<label>[^）)]{1,40})[）)]\s*[:：]\s*(?P<text>.*)$")
_QA_AFTER = re.compile(
    r"^(?P<label>[^：:，。；“”？！]{1,40}?)(?P<qa>问道|提问|询问|追问|发问|问|答复|回答|应答|答)\s*[:：]\s*(?P<text>.*)$"
)
_QA_BARE = re.compile(r"^(?P<qa>问|答)\s*[:：]\s*(?P<text>.*)$")
_BRACKET = re.compile(r"^【(?P<label>[^】]{1,40})】\s*(?P<text>.*)$")
_LABELLED = re.compile(r"^(?P<label>[^：:，。；“”？！]{1,40})[:：]\s*(?P<text>.*)$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_ASK_HINT = {"问", "问道", "提问", "询问", "追问", "发问"}

# News style: "…委员谢家森率先抛出问题，对…副市长邱成平问道：“…”"
_NEWS_ASK = re.compile(
    r"(?P<who>(?:[\u4e00-\u9fff]{0,14}?(?:委员|代表|组成人员))[\u4e00-\u9fff]{2,3}|[\u4e00-\u9fff]{2,3}(?:委员|代表))"
    r"[^。“”]{0,30}?(?:问道|提问|询问|发问|追问|率先发问|抛出问题|问)"
)
_NEWS_ANSWER = re.compile(
    r"(?P<who>[\u4e00-\u9fff]{0,14}?(?:副?(?:区长|县长|市长|局长|主任|院长|检察长|书记)|负责人)[\u4e00-\u9fff]{2,3})"
    r"[^。“”]{0,20}?(?:回应|回答|答复|应答|表示|坦言|介绍|承诺|说)"
)
_QUOTE = re.compile(r"“([^”]{4,})”")


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: Speaker
    text: str
    paragraph: int  # index in the cleaned paragraphs, for the preview


@dataclass(frozen=True, slots=True)
class Exchange:
    index: int
    question: Turn | None
    answers: tuple[Turn, ...]
    context: tuple[Turn, ...] = ()  # host remarks and narrative around the pair
    follow_up: bool = False  # the same asker again right after an answer (追问)
    warnings: tuple[str, ...] = ()

    @property
    def asker(self) -> Speaker | None:
        return self.question.speaker if self.question else None

    @property
    def answer_text(self) -> str:
        return "\n".join(a.text for a in self.answers)


@dataclass(frozen=True, slots=True)
class InquirySplit:
    exchanges: tuple[Exchange, ...]
    layout: str  # labelled / qa / bracket / news / mixed / none
    preamble: str  # narrative before the first question
    dropped: tuple[str, ...]  # reporters' lines, timestamps
    removed_lines: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(slots=True)
class _Open:
    speaker: Speaker
    parts: list[str]
    paragraph: int
    layout: str


@dataclass(slots=True)
class _Builder:
    exchanges: list[Exchange] = field(default_factory=list)
    question: Turn | None = None
    answers: list[Turn] = field(default_factory=list)
    context: list[Turn] = field(default_factory=list)
    follow_up: bool = False

    def close(self) -> None:
        if self.question is None and not self.answers:
            return
        warnings = []
        if self.question is None:
            warnings.append("这段答复之前没有找到问题，请补充询问人和问题")
        if not self.answers:
            warnings.append("没有找到对这个问题的答复")
        self.exchanges.append(
            Exchange(len(self.exchanges), self.question, tuple(self.answers), tuple(self.context),
                     self.follow_up, tuple(warnings))
        )
        self.question, self.answers, self.context, self.follow_up = None, [], [], False

    def add(self, turn: Turn) -> None:
        role = turn.speaker.role
        if role is Role.ASKER:
            previous = self.exchanges[-1].asker if not self.question and self.exchanges else None
            if self.question and not self.answers and _same(self.question.speaker, turn.speaker):
                self.question = Turn(self.question.speaker, self.question.text + "\n" + turn.text,
                                     self.question.paragraph)
                return
            last_asker = self.question.speaker if self.question else previous
            self.close()
            self.question = turn
            self.follow_up = bool(last_asker and _same(last_asker, turn.speaker))
        elif role is Role.ANSWERER:
            self.answers.append(turn)
        else:
            self.context.append(turn)


def _same(a: Speaker, b: Speaker) -> bool:
    return (a.name or a.label) == (b.name or b.label)


def _turn_start(paragraph: str, pending: Speaker | None) -> tuple[Speaker, str, str] | None:
    """(speaker, text, layout) if ``paragraph`` opens a turn."""
    if m := _QA_PAREN.match(paragraph):
        hint = Role.ASKER if m["qa"] in _ASK_HINT else Role.ANSWERER
        return parse_speaker(m["label"], hint), m["text"], "qa"
    if m := _QA_BARE.match(paragraph):
        hint = Role.ASKER if m["qa"] == "问" else Role.ANSWERER
        who = pending if pending and pending.role in (hint, Role.UNKNOWN) else None
        speaker = Speaker(who.label, hint, who.name, who.post, who.unit) if who else Speaker("", hint)
        return speaker, m["text"], "qa"
    if m := _BRACKET.match(paragraph):
        if looks_like_speaker(m["label"]):
            return parse_speaker(m["label"]), m["text"], "bracket"
    if (m := _QA_AFTER.match(paragraph)) and (looks_like_speaker(m["label"]) or m["qa"] in ("答", "答复", "回答")):
        hint = Role.ASKER if m["qa"] in _ASK_HINT else Role.ANSWERER
        return parse_speaker(m["label"], hint), m["text"], "qa" if m["qa"] in ("问", "答") else "labelled"
    if (m := _LABELLED.match(paragraph)) and looks_like_speaker(m["label"]):
        return parse_speaker(m["label"]), m["text"], "labelled"
    return None


def _news_turn(paragraph: str) -> tuple[Speaker, str] | None:
    quotes = _QUOTE.findall(paragraph)
    if (m := _NEWS_ASK.search(paragraph)) and ("？" in paragraph or "?" in paragraph or quotes):
        speaker = parse_speaker(m["who"], Role.ASKER)
        if speaker.role is Role.ASKER:
            return speaker, "".join(quotes) or paragraph
    if m := _NEWS_ANSWER.search(paragraph):
        speaker = parse_speaker(m["who"], Role.ANSWERER)
        if speaker.role is Role.ANSWERER:
            return speaker, paragraph
    return None


def parse_inquiry(text: str) -> InquirySplit:
    """Split a pasted 专题询问 record into question–answer exchanges."""
    check_text(text, DOCUMENT_TEXT, FIELD)
    cleaned = clean_paste(text)
    if not cleaned.paragraphs:
        raise EmptyText(FIELD)
    builder = _Builder()
    dropped: list[str] = []
    preamble: list[str] = []
    layouts: dict[str, int] = {}
    open_turn: _Open | None = None
    pending: Speaker | None = None

    def flush() -> None:
        nonlocal open_turn
        if open_turn is not None:
            turn = Turn(open_turn.speaker, "\n".join(p for p in open_turn.parts if p), open_turn.paragraph)
            if open_turn.speaker.role is Role.REPORTER:
                dropped.append(f"{turn.speaker.label}：{turn.text}")
            else:
                builder.add(turn)
            open_turn = None

    for i, paragraph in enumerate(cleaned.paragraphs):
        if _TIMESTAMP.match(paragraph):
            dropped.append(paragraph)
            continue
        start = _turn_start(paragraph, pending)
        if start:
            flush()
            speaker, body, layout = start
            layouts[layout] = layouts.get(layout, 0) + 1
            open_turn = _Open(speaker, [body.strip()], i, layout)
            pending = None
            continue
        if len(paragraph) <= 30 and looks_like_speaker(paragraph) and not re.search(r"[。？！]", paragraph):
            pending = parse_speaker(paragraph)  # "王某某委员" on its own line before "问："
            continue
        news = _news_turn(paragraph) if open_turn is None or open_turn.layout == "news" else None
        if news:
            flush()
            layouts["news"] = layouts.get("news", 0) + 1
            open_turn = _Open(news[0], [news[1]], i, "news")
            flush()
        elif open_turn is not None and open_turn.layout != "news":
            open_turn.parts.append(paragraph)
        elif builder.question is None and not builder.exchanges:
            preamble.append(paragraph)
        else:
            builder.context.append(Turn(Speaker("", Role.UNKNOWN), paragraph, i))
    flush()
    builder.close()

    warnings: list[str] = []
    if not builder.exchanges:
        warnings.append("没有识别出问答：请确认每段发言以“姓名+职务：”或“问：/答：”开头")
    layout = "none" if not layouts else (max(layouts, key=layouts.get) if len(layouts) == 1 else "mixed")
    if layout == "news":
        warnings.append("这是新闻报道式记录，问答按叙述句识别，请逐条核对发言人和内容")
    return InquirySplit(tuple(builder.exchanges), layout, "\n".join(preamble), tuple(dropped),
                        cleaned.removed, tuple(warnings))


def split_inquiry(text: str) -> list[Exchange]:
    """The exchanges of :func:`parse_inquiry`, for callers that need nothing else."""
    return list(parse_inquiry(text).exchanges)
