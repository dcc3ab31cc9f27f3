"""Admin-editable settings with code defaults (see ``../shared/domain.md``)."""
from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import Setting, utcnow
from ..tally import DEFAULT_RULE_KEY, PRESETS, Rule, rule_from_dict

DEFAULTS: dict[str, Any] = {
    "default_rule_key": DEFAULT_RULE_KEY,
    "custom_rules": {},  # key -> rule dict, edited by admin
    "disabled_rules": [],  # custom rule keys no longer offered (kept for the snapshots)
    "yellow_workdays": 5,  # 黄灯: due within this many working days
    "silent_workdays": 20,  # 无进展: nothing posted by the unit for this many working days
    "handback_workdays": 5,  # 退办: the lead unit may contest an assignment within this many working days
}


def get_setting(key: str) -> Any:
    row = db.session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


def set_setting(key: str, value: Any) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()


def all_rules() -> dict[str, Rule]:
    """Presets and custom rules, disabled ones included (admin page)."""
    rules = dict(PRESETS)
    for key, data in (get_setting("custom_rules") or {}).items():
        try:
            rules[key] = rule_from_dict(data)
        except ValueError:
            continue  # a broken custom rule must not take the presets down with it
    return rules


def available_rules() -> dict[str, Rule]:
    """The rules offered for new activities and sittings."""
    disabled = set(get_setting("disabled_rules") or [])
    return {key: rule for key, rule in all_rules().items() if key not in disabled}


def rule_name(key: str | None) -> str:
    rule = all_rules().get(key or "")
    return rule.name if rule else (key or "")


def get_rule(key: str | None) -> Rule:
    rules = available_rules()
    return rules.get(key or "") or rules.get(get_setting("default_rule_key")) or PRESETS[DEFAULT_RULE_KEY]
