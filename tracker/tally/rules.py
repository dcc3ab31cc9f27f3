"""满意度测评 rules as the local texts read them: an ordered list of clauses.

Each place writes its own rule ("满意票达到全体组成人员半数以上的，为测评满意；…"), and the
places differ in shape, not just in numbers: which votes are added, "达到/以上" (at
least, the number itself included) or "超过/过半数" (more than), which base (全体组成人员,
实到, 有效票), how many grades, and what follows. A rule is therefore a list of
clauses read top to bottom; the first that holds decides; a default grade closes the
list. Overrides change the consequence without changing the published grade. Every
comparison is exact integer arithmetic on ``Fraction`` shares; no float is involved.

This module holds the types; ``parse`` turns stored JSON into them (collecting every
error at once) and ``count`` applies a rule to a tally. Pure Python, no Flask import.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any


class TallyError(ValueError):
    """Invalid tally or rule; the message is Chinese and shown to staff as is."""


class RuleErrors(TallyError):
    """Every problem found in a rule, each naming the JSON key it is about."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


class _Labelled(StrEnum):
    """A stored English value with the Chinese label shown on screen."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Grade(_Labelled):
    """Ordered from best to worst: ``rank`` compares grades."""

    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"

    @property
    def rank(self) -> int:
        return list(Grade).index(self)


class Base(_Labelled):
    ALL_MEMBERS = "all_members", "全体组成人员"
    PRESENT = "present", "实到人数"
    VALID = "valid", "有效票"


# The name the engine used before clauses; kept so callers read naturally.
Denominator = Base


class Op(_Labelled):
    AT_LEAST = "at_least", "达到"  # 以上/达到: the number itself included
    MORE_THAN = "more_than", "超过"  # 超过/过半数: strictly more

    def holds(self, count: int, share: Fraction, base: int) -> bool:
        lhs, rhs = count * share.denominator, share.numerator * base
        return lhs >= rhs if self is Op.AT_LEAST else lhs > rhs


class Consequence(_Labelled):
    CLOSE = "close", "办结/销号"
    CONTINUE = "continue", "继续整改"
    REDO = "redo", "重新整改"


@dataclass(frozen=True)
class Condition:
    """"The sum of these counts is at least / more than this share of that base"."""

    counts: tuple[Grade, ...]
    op: Op
    share: Fraction
    base: Base

    def implies(self, other: Condition) -> bool:
        """Whenever ``self`` holds, ``other`` holds too (same base, fewer votes added,
        a higher or equal bar): used to refuse clauses that can never decide."""
        if self.base is not other.base or not set(self.counts) <= set(other.counts):
            return False
        if self.share != other.share:
            return self.share > other.share
        return other.op is Op.AT_LEAST or self.op is Op.MORE_THAN


@dataclass(frozen=True)
class Clause:
    grade: Grade
    condition: Condition
    text: str = ""  # the source sentence this clause encodes, quoted as 依据


@dataclass(frozen=True)
class Outcome:
    """What follows a grade. Not closing without months or next meeting means: the new
    deadline comes from the activity kind's 重新整改 deadline rule."""

    consequence: Consequence
    months: int | None = None
    next_meeting: bool = False

    @property
    def uses_deadline_rule(self) -> bool:
        return self.consequence is not Consequence.CLOSE and self.months is None and not self.next_meeting

    @property
    def label(self) -> str:
        if self.consequence is Consequence.CLOSE:
            return self.consequence.label
        if self.months:
            return f"{self.consequence.label}，期限{self.months}个月"
        if self.next_meeting:
            return f"{self.consequence.label}，在下次常委会会议上重新报告"
        return f"{self.consequence.label}，期限按期限规则"


@dataclass(frozen=True)
class Override:
    """Changes the consequence, never the published grade (e.g. 不满意票达到全体组成人员
    半数的，责令限期整改并重新报告, even when the grade is 基本满意)."""

    condition: Condition
    outcome: Outcome
    text: str = ""


@dataclass(frozen=True)
class Quorum:
    """法定人数: members present compared with all members."""

    op: Op
    share: Fraction

    def met(self, present: int, total: int) -> bool:
        return self.op.holds(present, self.share, total)


@dataclass(frozen=True)
class Escalation:
    after_failed_rounds: int
    label: str  # 挂牌督办, 责令作出检查, 提请质询 …


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    source: str  # the local text the rule encodes, shown wherever the rule is explained
    grades: tuple[Grade, ...]
    clauses: tuple[Clause, ...]
    default_grade: Grade
    default_text: str
    quorum: Quorum | None
    outcomes: tuple[tuple[Grade, Outcome], ...]
    overrides: tuple[Override, ...] = ()
    escalation: Escalation | None = None

    def outcome(self, grade: Grade) -> Outcome:
        return dict(self.outcomes)[grade]

    @property
    def two_grade(self) -> bool:
        return Grade.BASIC not in self.grades


_TALLY_LABELS = {"members_total": "全体组成人员数", "members_present": "实到人数",
                 "satisfied": "满意票", "basic": "基本满意票", "unsatisfied": "不满意票",
                 "invalid": "无效票"}


def require_int(value: Any, label: str, minimum: int) -> None:
    # bool is an int subclass; a stray True in admin JSON must not count as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TallyError(f"{label}必须是整数（{value!r}）")
    if value < minimum:
        raise TallyError(f"{label}不能小于 {minimum}（{value}）")


@dataclass(frozen=True)
class Tally:
    """The counted ballots; either entered by staff or counted from online ballots."""

    members_total: int
    members_present: int
    satisfied: int
    basic: int
    unsatisfied: int
    invalid: int = 0
    # A 表决器 row that does not add up, confirmed by staff: the published numbers stand.
    unbalanced_ok: bool = False

    def __post_init__(self) -> None:
        for name, label in _TALLY_LABELS.items():
            require_int(getattr(self, name), label, 0)
        if self.members_total == 0:
            raise TallyError("全体组成人员数必须大于 0")
        if self.members_present > self.members_total:
            raise TallyError(
                f"实到人数（{self.members_present}）超过全体组成人员数（{self.members_total}）"
            )
        if self.cast > self.members_present and not self.unbalanced_ok:
            raise TallyError(
                f"有效票与无效票合计（{self.cast}）超过实到人数（{self.members_present}）"
            )

    @property
    def valid(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def cast(self) -> int:
        return self.valid + self.invalid

    def count(self, grade: Grade) -> int:
        return getattr(self, grade.value)

    def base(self, base: Base) -> int:
        return {Base.ALL_MEMBERS: self.members_total, Base.PRESENT: self.members_present,
                Base.VALID: self.valid}[base]
