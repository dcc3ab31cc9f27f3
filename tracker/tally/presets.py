"""The shipped rule presets (镇海区, 石泉县, 安徽 2013 draft); admins add their own as data."""
from __future__ import annotations

from fractions import Fraction

from .rules import Consequence, Denominator, Grade, Outcome, Rule


def _half_rule(key: str, name: str, description: str, denominator: Denominator,
               basic: Outcome, unsatisfied: Outcome) -> Rule:
    """The three presets share 半数含本数, a quorum and escalation after two rounds."""
    half = Fraction(1, 2)
    outcomes = {Grade.SATISFIED: Outcome(Consequence.CLOSE), Grade.BASIC: basic,
                Grade.UNSATISFIED: unsatisfied}
    return Rule(key, name, description, denominator, half, half, True, True, outcomes, 2)


PRESETS: dict[str, Rule] = {rule.key: rule for rule in (
    _half_rule(
        "zhenhai", "镇海区（2022）",
        "以全体组成人员为基数：满意票达到半数的为满意；未达到但满意与基本满意票合计达到半数的为基本满意；"
        "合计未达到半数的为不满意。原文“不超过半数（含半数）为不满意”与“达到半数为基本满意”"
        "在恰好半数时冲突，本规则将“含半数”归入达到一方：恰好半数视为达到。"
        "不满意的重新整改，期限两个月；两轮未办结的提请主任会议挂牌督办。",
        Denominator.ALL_MEMBERS,
        basic=Outcome(Consequence.CLOSE),
        unsatisfied=Outcome(Consequence.REDO, months=2),
    ),
    _half_rule(
        "shiquan", "石泉县",
        "以全体组成人员为基数，半数含本数。未达满意的不予通过，重新办理并再次报告，直到表决满意为止；"
        "两次以上不满意的责令作出检查，由主任会议决定。",
        Denominator.ALL_MEMBERS,
        basic=Outcome(Consequence.REDO, months=2),
        unsatisfied=Outcome(Consequence.REDO, months=2),
    ),
    _half_rule(
        "anhui2013", "安徽省（2013年草案）",
        "以实到人数为基数，半数含本数。基本满意的继续整改，期限三个月；"
        "不满意的在下一次常委会会议上重作报告。",
        Denominator.PRESENT,
        basic=Outcome(Consequence.CONTINUE, months=3),
        unsatisfied=Outcome(Consequence.REDO, next_meeting=True),
    ),
)}
DEFAULT_RULE_KEY = "zhenhai"
