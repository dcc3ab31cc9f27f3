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
    r"^(?P<label>[^：:，。；“”？！,;?!]{1,40}?)(?P<qa>问道|提问|询问|追问|发问|问|答复|回答|应答|答)\s*[:：]\s*(?P<text>.*)$"
)
_QA_BARE = re.compile(r"^(?P<qa>问|答)\s*[:：]\s*(?P<text>.*)$")
_BRACKET = re.compile(r"^【(?P<label>[^】]{1,40})】\s*(?P<text>.*)$")
_LABELLED = re.compile(r"^(?P<label>[^：:，。；“”？！,;?!]{1,40})[:：]\s*(?P<text>.*)$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_ASK_HINT = {"问", "问道", "提问", "询问", "追问", "发问"}

# News style: "…委员谢家森率先抛出问题，对…副市长邱成平问道：“…”", "副区长张洪祥当场作出承诺，…"
_NEWS_ASK_VERB = re.compile(r"问道|提问|询问|发问|追问|抛出问题|问[:：]")
_NEWS_ANSWER_VERB = re.compile(r"回应|回答|答复|应答|表示|坦言|介绍|承诺|应询|说")
_NEWS_ASKER_AFTER = re.compile(r"(?:委员|代表)(?P<after>[\u4e00-\u9fff]{2,3})")  # 委员李祖念
_NEWS_ASKER_BEFORE = re.compile(  # 刘洋、杨向明等3名常委会组成人员 / 王某某委员
    r"(?P<before>[\u4e00-\u9fff]{2,3}(?:、[\u4e00-\u9fff]{2,3})*)(?:等\d+名)?[\u4e00-\u9fff]{0,6}?(?:委员|代表|组成人员)"
)
_NEWS_OFFICIAL = re.compile(
    r"(?P<post>(?:[\u4e00-\u9fff]{0,10}?)(?:常务副|副)?(?:区长|县长|市长|局长|主任|院长|检察长|书记|厅长|部长))"
    r"(?P<name>[\u4e00-\u9fff]{2,3})"
)
_NOT_NAME_END = set("当立坦表回说称就对在随也首还则率接介承答作现逐")
_NOT_A_NAME = re.compile(r"[们场继连纷]")
_STRONG_ASK = re.compile(r"问道|发问|追问")
_UNIT_LINE = re.compile(r"(?:局|委|委员会|办|办公室|院|部|厅|中心|政府|街道|镇)$")
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
    if (m := _QA_AFTER.match(paragraph)) and (
        looks_like_speaker(m["label"]) or m["qa"] in ("答", "答复", "回答") or "向" in m["label"]
    ):
        hint = Role.ASKER if m["qa"] in _ASK_HINT else Role.ANSWERER
        if hint is Role.ASKER and "向" in m["label"] and not looks_like_speaker(m["label"]):
            asker, _, addressee = m["label"].partition("向")  # "网友甲向鹿城区政府问："
            return Speaker(m["label"], Role.ASKER, asker.strip() or None), m["text"], "labelled"
        return parse_speaker(m["label"], hint), m["text"], "labelled"
    if (m := _LABELLED.match(paragraph)) and looks_like_speaker(m["label"]):
        return parse_speaker(m["label"]), m["text"], "labelled"
    return None


def _name(raw: str) -> str:
    return raw[:2] if len(raw) == 3 and raw[2] in _NOT_NAME_END else raw


def _news_turns(paragraph: str) -> list[tuple[Speaker, str]]:
    """Turns told as narrative, one sentence at a time; only named people count."""
    turns: list[tuple[Speaker, str]] = []
    for sentence in re.findall(r"(?:[^。！？“]|“[^”]*”)+[。！？]?", paragraph):
        quotes = "".join(_QUOTE.findall(sentence))
        ask = _NEWS_ASK_VERB.search(sentence)
        if ask:
            clause = re.split(r"[，,]", re.sub(r"“[^”]*”", "", sentence[: ask.start()]))[-1]
            m = _NEWS_ASKER_AFTER.search(clause) or _NEWS_ASKER_BEFORE.search(clause)
            after = m.groupdict().get("after") if m else None
            name = (_name(after) if after else m["before"]) if m else ""
            asks = _STRONG_ASK.search(ask.group(0)) or "？" in sentence or "?" in sentence or (m and not after)
            if m and asks and not _NOT_A_NAME.search(name):
                label = m.group(0)[: m.group(0).find(name) + len(name)] if after else clause[: m.end()]
                post = (label[: label.find(name)] + label[label.find(name) + len(name):]).strip() or None
                turns.append((Speaker(label, Role.ASKER, name, post), quotes or sentence))
                continue
        answer = _NEWS_ANSWER_VERB.search(sentence)
        official = _NEWS_OFFICIAL.search(sentence[: answer.start()]) if answer else None
        if official:
            name = _name(official["name"])
            post = official["post"].split("，")[-1]
            speaker = parse_speaker(post + name, Role.ANSWERER)
            turns.append((speaker, quotes or sentence))
    return turns


class _Parser:
    """One pass over the paragraphs; state is the turn being read."""

    def __init__(self, paragraphs: tuple[str, ...]) -> None:
        self.paragraphs = paragraphs
        self.builder = _Builder()
        self.dropped: list[str] = []
        self.preamble: list[str] = []
        self.layouts: dict[str, int] = {}
        self.open: _Open | None = None
        self.pending: Speaker | None = None  # "王铨副局长" on its own line
        self.loose_question: Turn | None = None  # "…？" with no asker, answered below
        # News sentences are read only when the record has no speaker labels at all:
        # in a labelled record a narrative "…委员…询问…" is context, not a turn.
        self.news = not any(
            (t := _turn_start(p, None)) and t[0].role in (Role.ASKER, Role.ANSWERER) for p in paragraphs
        )

    def start(self, speaker: Speaker, body: str, index: int, layout: str) -> None:
        self.flush()
        self.layouts[layout] = self.layouts.get(layout, 0) + 1
        self.open = _Open(speaker, [body.strip()], index, layout)
        self.pending = None

    def flush(self) -> None:
        if self.open is None:
            return
        turn = Turn(self.open.speaker, "\n".join(p for p in self.open.parts if p), self.open.paragraph)
        self.open = None
        if turn.speaker.role is Role.REPORTER:
            self.dropped.append(f"{turn.speaker.label}：{turn.text}")
            return
        if turn.speaker.role is Role.ANSWERER and self.builder.question is None and self.loose_question:
            self.builder.add(self.loose_question)
        self.loose_question = None
        self.builder.add(turn)

    def narrative(self, paragraph: str, index: int) -> None:
        if paragraph.rstrip("”\"").endswith(("？", "?")):
            self.loose_question = Turn(Speaker("", Role.ASKER), paragraph.strip("“”"), index)
        if self.builder.question is None and not self.builder.exchanges:
            self.preamble.append(paragraph)
        else:
            self.builder.context.append(Turn(Speaker("", Role.UNKNOWN), paragraph, index))

    def feed(self, index: int, paragraph: str) -> None:
        if _TIMESTAMP.match(paragraph):
            self.dropped.append(paragraph)
            return
        if start := _turn_start(paragraph, self.pending):
            self.start(start[0], start[1], index, start[2])
            return
        if len(paragraph) <= 30 and looks_like_speaker(paragraph) and not re.search(r"[。？！?!]", paragraph):
            self.flush()
            self.pending = parse_speaker(paragraph)
            return
        if self.pending is not None:
            if len(paragraph) <= 20 and _UNIT_LINE.search(paragraph) and not self.pending.unit:
                p = self.pending  # "市教育局" under "王铨副局长"
                self.pending = Speaker(p.label, p.role, p.name, p.post, paragraph)
                return
            if self.pending.role is Role.ANSWERER:
                self.start(self.pending, paragraph, index, "labelled")
                return
        if self.open is not None:
            self.open.parts.append(paragraph)
            return
        turns = _news_turns(paragraph) if self.news else []
        if not turns:
            self.narrative(paragraph, index)
            return
        for speaker, body in turns:
            if speaker.role is Role.ASKER and self.loose_question and body == paragraph:
                body = self.loose_question.text
            self.start(speaker, body, index, "news")
            self.flush()

    def result(self, removed: tuple[str, ...]) -> InquirySplit:
        self.flush()
        self.builder.close()
        warnings: list[str] = []
        if not self.builder.exchanges:
            warnings.append("没有识别出问答：请确认每段发言以“姓名+职务：”或“问：/答：”开头")
        layouts = self.layouts
        layout = "none" if not layouts else (next(iter(layouts)) if len(layouts) == 1 else "mixed")
        if "news" in layouts:
            warnings.append("这是新闻报道式记录，问答按叙述句识别，请逐条核对发言人和内容")
        return InquirySplit(tuple(self.builder.exchanges), layout, "\n".join(self.preamble),
                            tuple(self.dropped), removed, tuple(warnings))


def parse_inquiry(text: str) -> InquirySplit:
    """Split a pasted 专题询问 record into question–answer exchanges."""
    check_text(text, DOCUMENT_TEXT, FIELD)
    cleaned = clean_paste(text)
    if not cleaned.paragraphs:
        raise EmptyText(FIELD)
    parser = _Parser(cleaned.paragraphs)
    for index, paragraph in enumerate(cleaned.paragraphs):
        parser.feed(index, paragraph)
    return parser.result(cleaned.removed)


def split_inquiry(text: str) -> list[Exchange]:
    """The exchanges of :func:`parse_inquiry`, for callers that need nothing else."""
    return list(parse_inquiry(text).exchanges)
