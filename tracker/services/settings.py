"""Admin-editable settings with code defaults (see ``../shared/domain.md``).

Every page reads a few of them (the light thresholds on every list row), so all rows are
read at once and kept per process with the reference data (``services.versioned``: a
setting changed on any node gives the family a new version), instead of one query per
setting per request (issue 16).
"""
from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from ..models import Setting, utcnow
from ..tally import DEFAULT_RULE_KEY, PRESETS, Rule, rule_from_dict
from .versioned import FAMILIES, REFDATA

DEFAULTS: dict[str, Any] = {
    "default_rule_key": DEFAULT_RULE_KEY,
    "custom_rules": {},  # key -> rule dict, edited by admin
    "disabled_rules": [],  # custom rule keys no longer offered (kept for the snapshots)
    "yellow_workdays": 5,  # 黄灯: due within this many working days
    "silent_workdays": 20,  # 无进展: nothing posted by the unit for this many working days
    "handback_workdays": 5,  # 退办: the lead unit may contest an assignment within this many working days
}


def _stored() -> dict[str, Any]:
    """Every stored setting, the kept-data version rows (also ``setting`` rows) left out."""
    versions = {family.key for family in FAMILIES}
    return {key: value for key, value in db.session.execute(sa.select(Setting.key, Setting.value))
            if key not in versions}


def _settings() -> dict[str, Any]:
    """The stored settings: kept per process (``REFDATA``) and looked up once per request
    (the light thresholds are asked for on every row of a list)."""
    if not has_app_context():
        return _stored()
    if "stored_settings" not in g:
        g.stored_settings = REFDATA.cached("settings", _stored)
    return g.stored_settings


def get_setting(key: str) -> Any:
    """The stored value, else the code default. A copy: the kept value is shared by every
    request of the process and must not be changed by a caller editing what it got."""
    stored = _settings()
    value = stored[key] if key in stored else DEFAULTS.get(key)
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def set_setting(key: str, value: Any) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
    # Until this transaction commits, this request reads the settings from the database, its own
    # change included (the kept copy is older), and forgets what it read earlier.
    REFDATA.note_change(db.session)
    if has_app_context():
        g.pop("stored_settings", None)


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
