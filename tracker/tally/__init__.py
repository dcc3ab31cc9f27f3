"""满意度测评: rules as data and the tally that turns votes into a grade.

``rules`` holds the types and the counting; ``presets`` the rules shipped by default.
"""
from .presets import DEFAULT_RULE_KEY, PRESETS
from .rules import (
    Consequence,
    Decision,
    Denominator,
    Grade,
    Outcome,
    Rule,
    Tally,
    TallyError,
    decide,
    describe_rule,
    rule_from_dict,
    rule_to_dict,
    should_escalate,
)

__all__ = [
    "DEFAULT_RULE_KEY", "PRESETS", "Consequence", "Decision", "Denominator", "Grade", "Outcome", "Rule", "Tally",
    "TallyError", "decide", "describe_rule", "rule_from_dict", "rule_to_dict", "should_escalate",
]
