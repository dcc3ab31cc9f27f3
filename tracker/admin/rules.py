"""测评规则 settings: choose the default rule, add or replace custom rules as JSON.

Rules are data (see ``tracker/tally/``); a custom rule is validated in full before it
is stored, and each evaluation keeps a snapshot of the rule it was opened with, so
changing a rule never changes a result already counted.
"""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..fields import BaseForm, CleanTextAreaField, CNSelectField
from ..models import AuditAction
from ..permissions import security_admin_required
from ..services.audit import record
from ..services.settings import available_rules, get_setting, set_setting
from ..tally import PRESETS, TallyError, describe_rule, rule_from_dict, rule_to_dict
from . import bp


class DefaultRuleForm(BaseForm):
    rule_key = CNSelectField("新建监督活动时默认使用的测评规则", choices=[])


class CustomRuleForm(BaseForm):
    rule_json = CleanTextAreaField("规则（JSON）", validators=[
        DataRequired("请填写规则"), Length(max=20000, message="规则内容过长")])


def _forms():
    default_form = DefaultRuleForm()
    default_form.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]
    return default_form, CustomRuleForm()


def _render(default_form, custom_form, status=200):
    rules = available_rules()
    if not default_form.rule_key.data:
        default_form.rule_key.data = get_setting("default_rule_key")
    if not custom_form.rule_json.data:
        custom_form.rule_json.data = json.dumps(
            {**rule_to_dict(PRESETS["zhenhai"]), "key": "local", "name": "本地规则"}, ensure_ascii=False, indent=2)
    return render_template("admin/rules.html", rules=rules, describe=describe_rule, presets=PRESETS,
                           default_form=default_form, custom_form=custom_form), status


@bp.route("/rules")
@security_admin_required
def rules():
    default_form, custom_form = _forms()
    return _render(default_form, CustomRuleForm(formdata=None))


@bp.route("/rules/default", methods=["POST"])
@security_admin_required
def set_default_rule():
    default_form, _ = _forms()
    if default_form.validate_on_submit():
        set_setting("default_rule_key", default_form.rule_key.data)
        record(AuditAction.SETTINGS_RULE_DEFAULT, f"默认测评规则改为 {default_form.rule_key.data}",
               object_type="setting",
               actor=current_user)
        db.session.commit()
        flash("已保存默认测评规则", "success")
        return redirect(url_for("admin.rules"), code=303)
    return _render(default_form, CustomRuleForm(formdata=None))


@bp.route("/rules/custom", methods=["POST"])
@security_admin_required
def save_custom_rule():
    _, custom_form = _forms()
    default_form = DefaultRuleForm(formdata=None)
    default_form.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]
    if custom_form.validate_on_submit():
        try:
            data = json.loads(custom_form.rule_json.data)
            rule = rule_from_dict(data)
            if rule.key in PRESETS:
                raise TallyError(f"“{rule.key}”是预置规则的代码，请换一个代码")
        except json.JSONDecodeError as error:
            custom_form.rule_json.errors.append(f"JSON 格式错误（第 {error.lineno} 行第 {error.colno} 列）")
        except TallyError as error:
            custom_form.rule_json.errors.append(str(error))
        else:
            custom = dict(get_setting("custom_rules") or {})
            custom[rule.key] = rule_to_dict(rule)
            set_setting("custom_rules", custom)
            record(AuditAction.SETTINGS_RULE_CUSTOM, f"保存自定义测评规则 {rule.key}（{rule.name}）",
                   object_type="setting",
                   details=rule_to_dict(rule), actor=current_user)
            db.session.commit()
            flash(f"已保存规则“{rule.name}”", "success")
            return redirect(url_for("admin.rules"), code=303)
    return _render(default_form, custom_form)
