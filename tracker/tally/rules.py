"""满意度测评 rule engine: turn a vote count into a grade and a consequence.

Results feed cadre assessment, so every comparison is exact integer arithmetic
on ``Fraction`` shares (``count * q >= p * base``); no float is ever involved.
Rules are data because each place counts differently (all members, members
present or valid ballots) and acts differently on the result; admins edit
them, stored as JSON through ``rule_to_dict`` / ``rule_from_dict``.

Exactly-half precedence: the 镇海区 text (2022) gives 基本满意 when 满意+基本满意
reach half, and 不满意 when they "do not exceed half (含半数)", so a sum of
exactly half is both. ``at_threshold_passes=True`` resolves it: a count exactly
at the share reaches it, and "含半数" is read as belonging to the reaching side,
so a tie never fails a unit. A place that reads it the other way sets it False.

Pure Python, no Flask or database import, so views, services and tests share it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any


class TallyError(ValueError):
    """Invalid tally or rule; the message is Chinese and shown to staff as is."""


class _Labelled(StrEnum):
    """A stored English value with the Chinese label shown on screen."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Grade(_Labelled):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Denominator(_Labelled):
    ALL_MEMBERS = "all_members", "全体组成人员"
    PRESENT = "present", "实到人数"
    VALID = "valid", "有效票"


class Consequence(_Labelled):
    CLOSE = "close", "办结/销号"
    CONTINUE = "continue", "继续整改"
    REDO = "redo", "重新整改"


def _require_int(value: Any, label: str, minimum: int) -> None:
    # bool is an int subclass; a stray True in admin JSON must not count as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TallyError(f"{label}必须是整数（{value!r}）")
    if value < minimum:
        raise TallyError(f"{label}不能小于 {minimum}（{value}）")


@dataclass(frozen=True)
class Outcome:
    """What follows a grade; a deadline is needed for anything but closing."""

    consequence: Consequence
    months: int | None = None
    next_meeting: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.consequence, Consequence):
            raise TallyError(f"未知的测评后果：{self.consequence!r}")
        if self.months is not None:
            _require_int(self.months, "整改期限（月）", 1)
        if not isinstance(self.next_meeting, bool):
            raise TallyError("“下次常委会会议报告”必须是是/否")
        if self.consequence is Consequence.CLOSE:
            if self.months is not None or self.next_meeting:
                raise TallyError("办结/销号不应再设整改期限或下次会议报告")
        elif self.months is None and not self.next_meeting:
            raise TallyError(f"{self.consequence.label}须设定整改期限（月）或在下次常委会会议上报告")

    @property
    def label(self) -> str:
        months = f"，期限{self.months}个月" if self.months else ""
        meeting = "，在下次常委会会议上重新报告" if self.next_meeting else ""
        return f"{self.consequence.label}{months}{meeting}"


@dataclass(frozen=True)
class Rule:
    """One place's way of counting a 满意度测评 and acting on the result."""

    key: str
    name: str
    description: str
    denominator: Denominator
    satisfied_share: Fraction
    pass_share: Fraction
    at_threshold_passes: bool
    require_quorum: bool
    # Read-only view so a shared preset cannot be altered by one caller.
    outcomes: Mapping[Grade, Outcome] = field(hash=False)
    escalate_after_failed_rounds: int | None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not re.fullmatch(r"[a-z0-9_]+", self.key):
            raise TallyError(f"规则代码只能由小写英文字母、数字和下划线组成（{self.key!r}）")
        if not isinstance(self.name, str) or not self.name.strip():
            raise TallyError("规则名称不能为空")
        if not isinstance(self.description, str):
            raise TallyError("规则说明必须是文字")
        if not isinstance(self.denominator, Denominator):
            raise TallyError(f"未知的计票基数：{self.denominator!r}")
        for name, label in (("satisfied_share", "满意比例"), ("pass_share", "基本满意比例")):
            share = getattr(self, name)
            if not isinstance(share, Fraction):
                raise TallyError(f"{label}必须是分数")
            if not 0 < share <= 1:
                raise TallyError(f"{label}须大于 0 且不超过 1（{share}）")
        for name, label in (("at_threshold_passes", "是否含本数"), ("require_quorum", "是否要求法定人数")):
            if not isinstance(getattr(self, name), bool):
                raise TallyError(f"“{label}”必须是是/否")
        if set(self.outcomes) != set(Grade) or not all(
            isinstance(o, Outcome) for o in self.outcomes.values()
        ):
            raise TallyError("须为满意、基本满意、不满意三个结果分别设定后果")
        if self.outcomes[Grade.SATISFIED].consequence is not Consequence.CLOSE:
            raise TallyError("测评满意的后果必须是办结/销号")
        if self.escalate_after_failed_rounds is not None:
            _require_int(self.escalate_after_failed_rounds, "提请挂牌督办的轮次", 1)
        object.__setattr__(self, "outcomes", MappingProxyType(dict(self.outcomes)))


_TALLY_LABELS = {"members_total": "全体组成人员数", "members_present": "实到人数",
                 "satisfied": "满意票", "basic": "基本满意票", "unsatisfied": "不满意票",
                 "invalid": "无效票"}


@dataclass(frozen=True)
class Tally:
    """The counted ballots; either entered by staff or summed from online votes."""

    members_total: int
    members_present: int
    satisfied: int
    basic: int
    unsatisfied: int
    invalid: int = 0

    def __post_init__(self) -> None:
        for name, label in _TALLY_LABELS.items():
            _require_int(getattr(self, name), label, 0)
        if self.members_total == 0:
            raise TallyError("全体组成人员数必须大于 0")
        if self.members_present > self.members_total:
            raise TallyError(
                f"实到人数（{self.members_present}）超过全体组成人员数（{self.members_total}）"
            )
        if self.cast > self.members_present:
            raise TallyError(
                f"有效票与无效票合计（{self.cast}）超过实到人数（{self.members_present}）"
            )

    @property
    def valid(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def cast(self) -> int:
        return self.valid + self.invalid

    @property
    def quorum_met(self) -> bool:
        # 法定人数: strictly more than half of all members, so 16 of 32 is not enough.
        return self.members_present * 2 > self.members_total


@dataclass(frozen=True)
class Decision:
    grade: Grade | None
    outcome: Outcome | None
    reason: str
    quorum_met: bool
    denominator_value: int

    @property
    def closes(self) -> bool:
        return self.outcome is not None and self.outcome.consequence is Consequence.CLOSE

    @property
    def failed(self) -> bool:
        """A valid vote that did not close the item: one more round of 整改."""
        return self.outcome is not None and not self.closes


def _reaches(count: int, share: Fraction, base: int, inclusive: bool) -> bool:
    lhs, rhs = count * share.denominator, share.numerator * base
    return lhs >= rhs if inclusive else lhs > rhs


def _format_number(value: Fraction) -> str:
    """Exact decimal when it terminates (16.5), otherwise a rounded 约 value."""
    for digits in range(7):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            whole, frac = divmod(scaled.numerator, 10**digits)
            return f"{whole}.{frac:0{digits}d}" if digits else str(whole)
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return f"约{hundredths // 100}.{hundredths % 100:02d}"


def _comparison(
    subject: str, count: int, share: Fraction, rule: Rule, base: int
) -> tuple[bool, str]:
    ok = _reaches(count, share, base, rule.at_threshold_passes)
    reached, missed = ("≥", "<") if rule.at_threshold_passes else (">", "≤")
    op = reached if ok else missed
    threshold = _format_number(share * base)
    share_text = "半数" if share == Fraction(1, 2) else str(share)
    return ok, f"{subject} {count} {op} {rule.denominator.label} {base} 的{share_text}（{threshold}）"


def _denominator_value(tally: Tally, denominator: Denominator) -> int:
    return {
        Denominator.ALL_MEMBERS: tally.members_total,
        Denominator.PRESENT: tally.members_present,
        Denominator.VALID: tally.valid,
    }[denominator]


def decide(tally: Tally, rule: Rule) -> Decision:
    """Grade a tally under a rule; grade None means the vote is void and must be held again."""
    base = _denominator_value(tally, rule.denominator)
    quorum = tally.quorum_met

    def void(reason: str) -> Decision:
        return Decision(None, None, reason, quorum, base)

    if rule.require_quorum and not quorum:
        return void(
            f"实到 {tally.members_present} 人，未超过全体组成人员 {tally.members_total} 人的半数，"
            "不足法定人数，测评无效"
        )
    if base == 0:
        if rule.denominator is Denominator.VALID:
            return void(f"有效票为 0（无效票 {tally.invalid} 张），没有可计算的有效票，测评无效")
        return void(f"{rule.denominator.label}为 0，无法计票，测评无效")

    ok, sat_text = _comparison("满意票", tally.satisfied, rule.satisfied_share, rule, base)
    if ok:
        grade, reason = Grade.SATISFIED, sat_text
    else:
        ok, pass_text = _comparison(
            "满意与基本满意票合计", tally.satisfied + tally.basic, rule.pass_share, rule, base
        )
        grade = Grade.BASIC if ok else Grade.UNSATISFIED
        reason = f"{sat_text}；{pass_text}"
    return Decision(grade, rule.outcomes[grade], f"{reason}，结果为{grade.label}", quorum, base)


def should_escalate(rule: Rule, failed_rounds: int) -> bool:
    """Whether K rounds without closing call for 挂牌督办 by the 主任会议."""
    limit = rule.escalate_after_failed_rounds
    return limit is not None and failed_rounds >= limit


def describe_rule(rule: Rule) -> list[str]:
    """Chinese lines that show admins and reviewers exactly how votes are counted."""
    at = "达到" if rule.at_threshold_passes else "超过"
    note = "（含本数）" if rule.at_threshold_passes else "（不含本数）"
    lines = [
        f"计票基数：{rule.denominator.label}",
        "法定人数：实到人数须超过全体组成人员的半数" if rule.require_quorum else "法定人数：不要求",
        f"满意：满意票{at}基数的{rule.satisfied_share}{note}",
        f"基本满意：未达满意，但满意与基本满意票合计{at}基数的{rule.pass_share}{note}",
        f"不满意：满意与基本满意票合计未{at}基数的{rule.pass_share}",
    ]
    lines += [f"{g.label}的后果：{rule.outcomes[g].label}" for g in Grade]
    k = rule.escalate_after_failed_rounds
    lines.append(
        f"挂牌督办：累计 {k} 轮测评未办结的，提请主任会议挂牌督办" if k else "挂牌督办：不自动提请"
    )
    return lines


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """JSON-safe form; shares as "p/q" strings so nothing is lost to floats."""
    data = {f.name: getattr(rule, f.name) for f in fields(Rule)}
    data.update(
        denominator=rule.denominator.value,
        satisfied_share=str(rule.satisfied_share),
        pass_share=str(rule.pass_share),
        outcomes={
            g.value: {"consequence": o.consequence.value, "months": o.months,
                      "next_meeting": o.next_meeting}
            for g, o in rule.outcomes.items()
        },
    )
    return data


def _parse_share(value: Any, label: str) -> Fraction:
    # Floats are refused: 0.1 + 0.2 style errors must never decide a grade.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TallyError(f"{label}须写成分数字符串，如 \"1/2\"（{value!r}）")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise TallyError(f"{label}不是有效的分数（{value!r}）") from None


def _parse_enum(enum: type[StrEnum], value: Any, label: str):
    try:
        return enum(value)
    except ValueError:
        raise TallyError(f"未知的{label}：{value!r}") from None


def _parse_outcome(value: Any, grade: Grade) -> Outcome:
    if not isinstance(value, Mapping):
        raise TallyError(f"{grade.label}的后果格式不正确")
    extra = set(value) - {"consequence", "months", "next_meeting"}
    if extra:
        raise TallyError(f"{grade.label}的后果含有未知字段：{'、'.join(sorted(extra))}")
    return Outcome(
        _parse_enum(Consequence, value.get("consequence"), f"{grade.label}的后果"),
        value.get("months"),
        value.get("next_meeting", False),
    )


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Inverse of ``rule_to_dict``; strict, because a typo must not change a grade."""
    if not isinstance(data, Mapping):
        raise TallyError("规则格式不正确")
    names = [f.name for f in fields(Rule)]
    missing = [n for n in names if n not in data]
    if missing:
        raise TallyError(f"规则缺少字段：{'、'.join(missing)}")
    extra = sorted(set(data) - set(names))
    if extra:
        raise TallyError(f"规则含有未知字段：{'、'.join(extra)}")
    raw = data["outcomes"]
    if not isinstance(raw, Mapping):
        raise TallyError("测评后果格式不正确")
    outcomes = {}
    for key, value in raw.items():
        grade = _parse_enum(Grade, key, "测评结果")
        outcomes[grade] = _parse_outcome(value, grade)
    return Rule(**{
        **data,
        "denominator": _parse_enum(Denominator, data["denominator"], "计票基数"),
        "satisfied_share": _parse_share(data["satisfied_share"], "满意比例"),
        "pass_share": _parse_share(data["pass_share"], "基本满意比例"),
        "outcomes": outcomes,
    })
