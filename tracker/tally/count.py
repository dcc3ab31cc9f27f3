"""Apply a rule to a tally, and say how in words with the real numbers.

Results feed cadre assessment and are published, so each result carries its
arithmetic and the clause that decided it, e.g. "满意15+基本满意3=18，未超过全体组成人员
33人的半数（16.5）；…结果为不满意。依据：…".
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .rules import Base, Condition, Consequence, Grade, Op, Outcome, Rule, Tally

_SHARE_NAMES = {Fraction(1, 2): "半数", Fraction(1, 3): "三分之一", Fraction(2, 3): "三分之二",
                Fraction(1, 4): "四分之一", Fraction(3, 4): "四分之三", Fraction(1, 1): "全部"}
_BASE_UNITS = {Base.ALL_MEMBERS: "人", Base.PRESENT: "人", Base.VALID: "张"}


@dataclass(frozen=True)
class Decision:
    grade: Grade | None  # None: the vote is void (no quorum, nothing to count)
    outcome: Outcome | None
    reason: str
    quorum_met: bool
    basis: str = ""  # the source text of the deciding clause

    @property
    def closes(self) -> bool:
        return self.outcome is not None and self.outcome.consequence is Consequence.CLOSE

    @property
    def failed(self) -> bool:
        """A valid vote that did not close the item: one more round of 整改."""
        return self.outcome is not None and not self.closes


def format_number(value: Fraction) -> str:
    """Exact decimal when it terminates (16.5), otherwise a rounded 约 value."""
    for digits in range(7):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            whole, frac = divmod(scaled.numerator, 10**digits)
            return f"{whole}.{frac:0{digits}d}" if digits else str(whole)
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return f"约{hundredths // 100}.{hundredths % 100:02d}"


def share_name(share: Fraction) -> str:
    return _SHARE_NAMES.get(share, f"{share.denominator}分之{share.numerator}")


def _sum_text(tally: Tally, counts: tuple[Grade, ...]) -> tuple[int, str]:
    total = sum(tally.count(g) for g in counts)
    parts = "+".join(f"{g.label}{tally.count(g)}" for g in counts)
    return total, parts if len(counts) == 1 else f"{parts}={total}"


def condition_text(condition: Condition, tally: Tally) -> tuple[bool, str]:
    """("满意15+基本满意3=18，未超过全体组成人员33人的半数（16.5）")."""
    base = tally.base(condition.base)
    total, summed = _sum_text(tally, condition.counts)
    ok = condition.op.holds(total, condition.share, base)
    verb = condition.op.label if ok else f"未{condition.op.label}"
    threshold = format_number(condition.share * base)
    return ok, (f"{summed}，{verb}{condition.base.label}{base}{_BASE_UNITS[condition.base]}"
                f"的{share_name(condition.share)}（{threshold}）")


def quorum_text(rule: Rule, tally: Tally) -> tuple[bool, str]:
    quorum = rule.quorum
    if quorum is None:
        return True, ""
    ok = quorum.met(tally.members_present, tally.members_total)
    verb = quorum.op.label if ok else f"未{quorum.op.label}"
    return ok, (f"实到{tally.members_present}人，{verb}全体组成人员{tally.members_total}人的"
                f"{share_name(quorum.share)}（{format_number(quorum.share * tally.members_total)}）")


def decide(tally: Tally, rule: Rule) -> Decision:
    """Read the clauses top to bottom; the first that holds decides."""
    quorum_ok, quorum_line = quorum_text(rule, tally)
    quorum_met = rule.quorum.met(tally.members_present, tally.members_total) if rule.quorum else True
    if not quorum_ok:
        return Decision(None, None, f"{quorum_line}，不足法定人数，测评无效", quorum_met)
    lines = []
    grade, basis = rule.default_grade, rule.default_text
    for clause in rule.clauses:
        if tally.base(clause.condition.base) == 0:
            label = clause.condition.base.label
            return Decision(None, None, f"{label}为0，无法计票，测评无效（无效票{tally.invalid}张）", quorum_met)
        ok, line = condition_text(clause.condition, tally)
        lines.append(line)
        if ok:
            grade, basis = clause.grade, clause.text
            break
    outcome = rule.outcome(grade)
    reason = "；".join(lines) + f"，结果为{grade.label}"
    for override in rule.overrides:
        ok, line = condition_text(override.condition, tally)
        if ok and override.outcome != outcome:
            outcome = override.outcome
            reason += f"；另：{line}，后果为“{outcome.label}”" + (f"（依据：{override.text}）" if override.text else "")
            break
    if basis:
        reason += f"。依据：{rule.name}“{basis}”"
    return Decision(grade, outcome, reason, quorum_met, basis)


def should_escalate(rule: Rule, failed_rounds: int) -> bool:
    """Whether K rounds without closing call for the rule's escalation (挂牌督办 …)."""
    return rule.escalation is not None and failed_rounds >= rule.escalation.after_failed_rounds


def describe_condition(condition: Condition) -> str:
    counts = "+".join(g.label for g in condition.counts) + ("票" if len(condition.counts) == 1 else "票合计")
    inclusive = "（含本数）" if condition.op is Op.AT_LEAST else "（不含本数）"
    return f"{counts}{condition.op.label}{condition.base.label}的{share_name(condition.share)}{inclusive}"


def describe_rule(rule: Rule) -> list[str]:
    """Chinese lines that show admins and reviewers exactly how votes are counted."""
    if rule.quorum:
        lines = [f"法定人数：实到人数须{rule.quorum.op.label}全体组成人员的{share_name(rule.quorum.share)}"
                 f"{'（含本数）' if rule.quorum.op is Op.AT_LEAST else '（不含本数）'}"]
    else:
        lines = ["法定人数：不要求"]
    lines.append("测评等级：" + "、".join(g.label for g in rule.grades))
    for n, clause in enumerate(rule.clauses, 1):
        lines.append(f"第{n}条：{describe_condition(clause.condition)}的，为{clause.grade.label}")
    lines.append(f"以上都不满足的，为{rule.default_grade.label}")
    lines += [f"{g.label}的后果：{o.label}" for g, o in rule.outcomes]
    for override in rule.overrides:
        lines.append(f"另：{describe_condition(override.condition)}的，不论等级，后果为{override.outcome.label}")
    k = rule.escalation
    lines.append(f"累计 {k.after_failed_rounds} 轮测评未办结的：{k.label}" if k else "未办结轮次：不自动升级")
    return lines
