"""满意度测评: rules as data and the tally that turns votes into a grade.

``rules`` holds the types, ``parse`` the JSON form, ``count`` the counting and its
wording, ``presets`` the rules shipped by default.
"""
from .count import Decision, decide, describe_rule, format_number, should_escalate
from .parse import rule_from_dict, rule_to_dict, upgrade_legacy_rule
from .presets import DEFAULT_RULE_KEY, PRESETS
from .rules import (
    Base,
    Clause,
    Condition,
    Consequence,
    Denominator,
    Escalation,
    Grade,
    Op,
    Outcome,
    Override,
    Quorum,
    Rule,
    RuleErrors,
    Tally,
    TallyError,
)

__all__ = [
    "DEFAULT_RULE_KEY", "PRESETS", "Base", "Clause", "Condition", "Consequence", "Decision", "Denominator",
    "Escalation", "Grade", "Op", "Outcome", "Override", "Quorum", "Rule", "RuleErrors", "Tally", "TallyError",
    "decide", "describe_rule", "format_number", "rule_from_dict", "rule_to_dict", "should_escalate",
    "upgrade_legacy_rule",
]
