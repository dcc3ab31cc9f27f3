"""Rules as JSON: strict parsing that reports every problem at once, by JSON key.

An admin pasting a rule wants the whole list ("clauses[1].share: …；quorum.share: …"),
not one error per attempt; a typo must never silently change a grade, so unknown keys
are refused and shares are "p/q" strings (floats would round). Contradictory rules are
refused too: a clause that can never decide (a higher grade at a lower bar), grades out
of order, a 满意 that does not close.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from .rules import (
    Base,
    Clause,
    Condition,
    Consequence,
    Escalation,
    Grade,
    Op,
    Outcome,
    Override,
    Quorum,
    Rule,
    RuleErrors,
)

RULE_KEYS = ("key", "name", "source", "grades", "clauses", "default_grade", "default_text", "quorum",
             "outcomes", "overrides", "escalation")
OPTIONAL = {"source": "", "default_text": "", "quorum": None, "overrides": [], "escalation": None}
CONDITION_KEYS = ("counts", "op", "share", "base")


class _Reader:
    """Collects errors with their JSON path instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}：{message}")

    def keys(self, value: Any, path: str, allowed: tuple[str, ...], optional=()) -> bool:
        if not isinstance(value, Mapping):
            self.fail(path, "应为对象 {…}")
            return False
        for extra in sorted(set(value) - set(allowed)):
            self.fail(f"{path}.{extra}" if path != "规则" else extra, "未知字段")
        for missing in allowed:
            if missing not in value and missing not in optional:
                self.fail(f"{path}.{missing}" if path != "规则" else missing, "缺少此字段")
        return True

    def enum(self, enum, value: Any, path: str):
        try:
            return enum(value)
        except ValueError:
            choices = "、".join(f"{m.value}（{m.label}）" for m in enum)
            self.fail(path, f"未知的值 {value!r}，可选：{choices}")
            return None

    def share(self, value: Any, path: str) -> Fraction | None:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(path, f"须写成分数字符串，如 \"1/2\"（{value!r}）")
            return None
        try:
            share = Fraction(value)
        except (ValueError, ZeroDivisionError):
            self.fail(path, f"不是有效的分数（{value!r}）")
            return None
        if not 0 < share <= 1:
            self.fail(path, f"须大于 0 且不超过 1（{value}）")
            return None
        return share

    def text(self, value: Any, path: str, required=False, max_len=2000) -> str:
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(path, "不能为空" if required else "应为文字")
            return ""
        if len(value) > max_len:
            self.fail(path, f"不能超过 {max_len} 字")
        return value.strip()

    def int_at_least(self, value: Any, path: str, minimum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(path, f"应为不小于 {minimum} 的整数（{value!r}）")
            return None
        return value

    def condition(self, value: Mapping, path: str) -> Condition | None:
        counts_raw = value.get("counts")
        counts: list[Grade] = []
        if not isinstance(counts_raw, list) or not counts_raw:
            self.fail(f"{path}.counts", "应为非空列表，如 [\"satisfied\", \"basic\"]")
        else:
            for i, raw in enumerate(counts_raw):
                grade = self.enum(Grade, raw, f"{path}.counts[{i}]")
                if grade is not None and grade in counts:
                    self.fail(f"{path}.counts[{i}]", "重复")
                elif grade is not None:
                    counts.append(grade)
        op = self.enum(Op, value.get("op"), f"{path}.op")
        share = self.share(value.get("share"), f"{path}.share")
        base = self.enum(Base, value.get("base"), f"{path}.base")
        if None in (op, share, base) or len(counts) != len(counts_raw or []):
            return None
        return Condition(tuple(counts), op, share, base)

    def outcome(self, value: Any, path: str) -> Outcome | None:
        if not self.keys(value, path, ("consequence", "months", "next_meeting"), optional=("months", "next_meeting")):
            return None
        consequence = self.enum(Consequence, value.get("consequence"), f"{path}.consequence")
        months = value.get("months")
        if months is not None:
            months = self.int_at_least(months, f"{path}.months", 1)
        next_meeting = value.get("next_meeting", False)
        if not isinstance(next_meeting, bool):
            self.fail(f"{path}.next_meeting", "应为 true 或 false")
            return None
        if consequence is Consequence.CLOSE and (months is not None or next_meeting):
            self.fail(path, "办结/销号不应再设整改期限或下次会议报告")
        if months is not None and next_meeting:
            self.fail(path, "months 与 next_meeting 只能选一个")
        if consequence is None:
            return None
        return Outcome(consequence, months, next_meeting)


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Inverse of ``rule_to_dict``; raises ``RuleErrors`` listing every problem."""
    r = _Reader()
    if not r.keys(data, "规则", RULE_KEYS, optional=tuple(OPTIONAL)):
        raise RuleErrors(r.errors)
    data = {**OPTIONAL, **data}
    key = data.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", key):
        r.fail("key", f"只能由小写英文字母、数字和下划线组成，至多 32 个字符（{key!r}）")
    name = r.text(data.get("name"), "name", required=True, max_len=60)
    source = r.text(data.get("source"), "source")
    default_text = r.text(data.get("default_text"), "default_text", max_len=500)

    grades: list[Grade] = []
    raw_grades = data.get("grades")
    if not isinstance(raw_grades, list):
        r.fail("grades", "应为列表，如 [\"satisfied\", \"basic\", \"unsatisfied\"]")
    else:
        grades = [g for i, v in enumerate(raw_grades) if (g := r.enum(Grade, v, f"grades[{i}]"))]
        if grades and (grades != sorted(set(grades), key=lambda g: g.rank)
                       or Grade.SATISFIED not in grades or Grade.UNSATISFIED not in grades):
            r.fail("grades", "须从高到低排列、不重复，且含 satisfied 与 unsatisfied")

    default = r.enum(Grade, data.get("default_grade"), "default_grade")
    if default is not None and grades and default not in grades:
        r.fail("default_grade", "不在 grades 之中")

    clauses: list[Clause] = []
    if not isinstance(data.get("clauses"), list) or not data.get("clauses"):
        r.fail("clauses", "应为非空列表，从最高等级写起")
    else:
        for i, raw in enumerate(data["clauses"]):
            path = f"clauses[{i}]"
            if not r.keys(raw, path, ("grade", *CONDITION_KEYS, "text"), optional=("text",)):
                continue
            grade = r.enum(Grade, raw.get("grade"), f"{path}.grade")
            condition = r.condition(raw, path)
            text = r.text(raw.get("text", ""), f"{path}.text", max_len=500)
            if grade is not None and grades and grade not in grades:
                r.fail(f"{path}.grade", "不在 grades 之中")
            if grade is not None and condition is not None:
                clauses.append(Clause(grade, condition, text))
            else:
                clauses.append(None)  # keep indexes aligned for the messages below
        _check_order(r, clauses, default)

    quorum = None
    if data.get("quorum") is not None and r.keys(data["quorum"], "quorum", ("op", "share")):
        op = r.enum(Op, data["quorum"].get("op"), "quorum.op")
        share = r.share(data["quorum"].get("share"), "quorum.share")
        quorum = Quorum(op, share) if op and share else None

    outcomes: dict[Grade, Outcome] = {}
    if r.keys(data.get("outcomes"), "outcomes", tuple(g.value for g in grades)):
        for raw_key, raw in data["outcomes"].items():
            grade = Grade(raw_key) if raw_key in Grade._value2member_map_ else None
            if grade is None or grade not in grades:
                continue  # already reported as an unknown key
            outcome = r.outcome(raw, f"outcomes.{raw_key}")
            if outcome is not None:
                outcomes[grade] = outcome
        if Grade.SATISFIED in outcomes and outcomes[Grade.SATISFIED].consequence is not Consequence.CLOSE:
            r.fail("outcomes.satisfied.consequence", "测评满意的后果必须是 close（办结/销号）")

    overrides: list[Override] = []
    if not isinstance(data.get("overrides"), list):
        r.fail("overrides", "应为列表（可为空 []）")
    else:
        for i, raw in enumerate(data["overrides"]):
            path = f"overrides[{i}]"
            if not r.keys(raw, path, (*CONDITION_KEYS, "outcome", "text"), optional=("text",)):
                continue
            condition = r.condition(raw, path)
            outcome = r.outcome(raw.get("outcome"), f"{path}.outcome")
            text = r.text(raw.get("text", ""), f"{path}.text", max_len=500)
            if condition and outcome:
                overrides.append(Override(condition, outcome, text))

    escalation = None
    if data.get("escalation") is not None and r.keys(data["escalation"], "escalation",
                                                      ("after_failed_rounds", "label")):
        rounds = r.int_at_least(data["escalation"].get("after_failed_rounds"), "escalation.after_failed_rounds", 1)
        label = r.text(data["escalation"].get("label"), "escalation.label", required=True, max_len=40)
        escalation = Escalation(rounds, label) if rounds and label else None

    if r.errors:
        raise RuleErrors(r.errors)
    return Rule(key=key, name=name, source=source, grades=tuple(grades), clauses=tuple(clauses),
                default_grade=default, default_text=default_text, quorum=quorum,
                outcomes=tuple((g, outcomes[g]) for g in grades), overrides=tuple(overrides),
                escalation=escalation)


def _check_order(r: _Reader, clauses: list[Clause | None], default: Grade | None) -> None:
    """Grades go down the list, the default is below them all, and no clause is dead."""
    for j, clause in enumerate(clauses):
        if clause is None:
            continue
        if default is not None and clause.grade.rank >= default.rank:
            r.fail(f"clauses[{j}].grade", f"应高于 default_grade（{default.label}）")
        for i, earlier in enumerate(clauses[:j]):
            if earlier is None:
                continue
            if earlier.grade.rank > clause.grade.rank:
                r.fail(f"clauses[{j}].grade",
                       f"{clause.grade.label}排在较低的{earlier.grade.label}（clauses[{i}]）之后，条款须从高到低")
            elif earlier.grade is not clause.grade and clause.condition.implies(earlier.condition):
                r.fail(f"clauses[{j}]",
                       f"永远不会起作用：凡满足本条者都已满足 clauses[{i}]，"
                       f"较高的{earlier.grade.label}门槛反而不高于{clause.grade.label}")


def _condition_dict(condition: Condition) -> dict[str, Any]:
    return {"counts": [g.value for g in condition.counts], "op": condition.op.value,
            "share": str(condition.share), "base": condition.base.value}


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {"consequence": outcome.consequence.value}
    if outcome.months is not None:
        data["months"] = outcome.months
    if outcome.next_meeting:
        data["next_meeting"] = True
    return data


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """JSON-safe form; shares as "p/q" strings so nothing is lost to floats."""
    return {
        "key": rule.key, "name": rule.name, "source": rule.source,
        "grades": [g.value for g in rule.grades],
        "clauses": [{"grade": c.grade.value, **_condition_dict(c.condition), "text": c.text} for c in rule.clauses],
        "default_grade": rule.default_grade.value, "default_text": rule.default_text,
        "quorum": {"op": rule.quorum.op.value, "share": str(rule.quorum.share)} if rule.quorum else None,
        "outcomes": {g.value: _outcome_dict(o) for g, o in rule.outcomes},
        "overrides": [{**_condition_dict(o.condition), "outcome": _outcome_dict(o.outcome), "text": o.text}
                      for o in rule.overrides],
        "escalation": ({"after_failed_rounds": rule.escalation.after_failed_rounds, "label": rule.escalation.label}
                       if rule.escalation else None),
    }


LEGACY_KEYS = {"denominator", "satisfied_share", "pass_share", "at_threshold_passes", "require_quorum",
               "escalate_after_failed_rounds"}


def upgrade_legacy_rule(data: Mapping[str, Any]) -> dict[str, Any]:
    """A rule stored before clauses (two shares and one "at half" flag) in the clause format.

    It reads exactly as the old engine counted: the one flag applies to both clauses,
    so snapshots of evaluations already counted keep their meaning. Used by migration
    0010 for stored snapshots and custom rules; new-format rules pass through unchanged.
    """
    if not LEGACY_KEYS & set(data):
        return dict(data)
    op = "at_least" if data.get("at_threshold_passes", True) else "more_than"
    base = data.get("denominator", "all_members")
    outcomes = {}
    for grade, outcome in (data.get("outcomes") or {}).items():
        outcomes[grade] = {k: v for k, v in outcome.items() if v not in (None, False)}
    rounds = data.get("escalate_after_failed_rounds")
    return {
        "key": data["key"], "name": data["name"], "source": data.get("description", ""),
        "grades": ["satisfied", "basic", "unsatisfied"],
        "clauses": [
            {"grade": "satisfied", "counts": ["satisfied"], "op": op, "share": data["satisfied_share"],
             "base": base, "text": ""},
            {"grade": "basic", "counts": ["satisfied", "basic"], "op": op, "share": data["pass_share"],
             "base": base, "text": ""},
        ],
        "default_grade": "unsatisfied", "default_text": "",
        "quorum": {"op": "more_than", "share": "1/2"} if data.get("require_quorum", True) else None,
        "outcomes": outcomes, "overrides": [],
        "escalation": {"after_failed_rounds": rounds, "label": "提请主任会议挂牌督办"} if rounds else None,
    }
