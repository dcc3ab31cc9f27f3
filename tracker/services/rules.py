"""测评规则 settings: the default rule, custom rules as JSON, disabling a custom rule.

A custom rule is parsed in full before it is stored (every error at once, by JSON
key). A rule is never deleted: each sitting keeps a snapshot of the rule it opened
with, and a disabled rule only stops being offered for new activities and sittings.
"""
from __future__ import annotations

import json
from typing import Any

from ..models import AuditAction, User
from ..tally import PRESETS, Rule, RuleErrors, rule_from_dict, rule_to_dict
from . import OperationError
from .audit import record
from .settings import all_rules, available_rules, get_setting, set_setting


class RuleRejected(OperationError):
    """A custom rule with problems; ``errors`` lists each one, named by its JSON key."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


def parse_custom_rule(text: str) -> Rule:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise RuleRejected([f"JSON 格式错误（第 {error.lineno} 行第 {error.colno} 列）"]) from None
    try:
        rule = rule_from_dict(data)
    except RuleErrors as error:
        raise RuleRejected(error.errors) from None
    if rule.key in PRESETS:
        raise RuleRejected([f"key：“{rule.key}”是预置规则“{PRESETS[rule.key].name}”的代码，请换一个代码"])
    return rule


def save_custom_rule(text: str, actor: User) -> Rule:
    rule = parse_custom_rule(text)
    custom = dict(get_setting("custom_rules") or {})
    replaced = rule.key in custom
    custom[rule.key] = rule_to_dict(rule)
    set_setting("custom_rules", custom)
    verb = "替换" if replaced else "新增"
    record(AuditAction.SETTINGS_RULE_CUSTOM, f"{verb}自定义测评规则“{rule.name}”", object_type="setting",
           details=rule_to_dict(rule), actor=actor)
    return rule


def set_default_rule(key: str, actor: User) -> None:
    rules = available_rules()
    if key not in rules:
        raise OperationError("该规则不存在或已停用")
    set_setting("default_rule_key", key)
    record(AuditAction.SETTINGS_RULE_DEFAULT, f"默认测评规则改为“{rules[key].name}”", object_type="setting",
           actor=actor)


def set_rule_disabled(key: str, disabled: bool, actor: User) -> None:
    rules = all_rules()
    if key not in rules or key in PRESETS:
        raise OperationError("只能停用或启用自定义规则")
    if disabled and key == get_setting("default_rule_key"):
        raise OperationError("这是默认规则，请先改用其他默认规则再停用")
    current = set(get_setting("disabled_rules") or [])
    current = current | {key} if disabled else current - {key}
    set_setting("disabled_rules", sorted(current))
    record(AuditAction.SETTINGS_RULE_DISABLED, f"{'停用' if disabled else '启用'}自定义测评规则“{rules[key].name}”",
           object_type="setting", actor=actor)
