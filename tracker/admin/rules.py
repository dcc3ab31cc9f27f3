"""测评规则 page: the default rule, custom rules as JSON, disabling a custom rule.

Thin views over ``services/rules.py``. A rejected rule re-renders with every problem
listed by its JSON key and the text as typed. Rules are shown by name; the key
appears only inside the JSON.
"""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import DataRequired

from ..extensions import db
from ..fields import BaseForm, CleanTextAreaField, CNSelectField, TextLimit
from ..limits import RULE_TEXT
from ..permissions import security_admin_required
from ..services import OperationError
from ..services import rules as ops
from ..services.settings import all_rules, available_rules, get_setting
from ..tally import PRESETS, describe_rule
from ..tally.presets import ZHENHAI
from . import bp


class DefaultRuleForm(BaseForm):
    rule_key = CNSelectField("新建监督活动时默认使用的测评规则", choices=[])


class CustomRuleForm(BaseForm):
    rule_json = CleanTextAreaField("规则（JSON）", validators=[
        DataRequired("请填写规则"), TextLimit(RULE_TEXT)])


class DisableRuleForm(BaseForm):
    rule_key = HiddenField(validators=[DataRequired()])
    disabled = HiddenField(validators=[DataRequired()])


EXAMPLE = {**ZHENHAI, "key": "local", "name": "本地规则", "overrides": [
    {"counts": ["unsatisfied"], "op": "at_least", "share": "1/2", "base": "all_members",
     "outcome": {"consequence": "redo", "months": 3},
     "text": "不满意票达到全体组成人员半数的，责令限期整改并重新报告"}]}


def _default_form(formdata=True) -> DefaultRuleForm:
    form = DefaultRuleForm() if formdata else DefaultRuleForm(formdata=None)
    form.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]
    return form


def _render(default_form, custom_form, errors=(), status=200):
    if not default_form.rule_key.data:
        default_form.rule_key.data = get_setting("default_rule_key")
    if not custom_form.rule_json.data:
        custom_form.rule_json.data = json.dumps(EXAMPLE, ensure_ascii=False, indent=2)
    disabled = set(get_setting("disabled_rules") or [])
    return render_template("admin/rules.html", rules=all_rules(), describe=describe_rule, presets=PRESETS,
                           disabled=disabled, default_form=default_form, custom_form=custom_form,
                           rule_errors=list(errors), disable_form=DisableRuleForm(formdata=None)), status


@bp.route("/rules")
@security_admin_required
def rules():
    return _render(_default_form(formdata=False), CustomRuleForm(formdata=None))


@bp.route("/rules/default", methods=["POST"])
@security_admin_required
def set_default_rule():
    form = _default_form()
    if form.validate_on_submit():
        try:
            ops.set_default_rule(form.rule_key.data, current_user)
            db.session.commit()
            flash("已保存默认测评规则", "success")
            return redirect(url_for("admin.rules"), code=303)
        except OperationError as error:
            db.session.rollback()
            flash(error.message, "error")
    return _render(form, CustomRuleForm(formdata=None))


@bp.route("/rules/custom", methods=["POST"])
@security_admin_required
def save_custom_rule():
    form = CustomRuleForm()
    if form.validate_on_submit():
        try:
            rule = ops.save_custom_rule(form.rule_json.data, current_user)
            db.session.commit()
            flash(f"已保存规则“{rule.name}”", "success")
            return redirect(url_for("admin.rules"), code=303)
        except ops.RuleRejected as error:
            db.session.rollback()
            form.rule_json.errors.append(f"规则有 {len(error.errors)} 处问题，未保存")
            return _render(_default_form(formdata=False), form, error.errors)
    return _render(_default_form(formdata=False), form)


@bp.route("/rules/disabled", methods=["POST"])
@security_admin_required
def set_rule_disabled():
    form = DisableRuleForm()
    if form.validate_on_submit():
        try:
            ops.set_rule_disabled(form.rule_key.data, form.disabled.data == "1", current_user)
            db.session.commit()
            flash("已更新规则状态", "success")
            return redirect(url_for("admin.rules"), code=303)
        except OperationError as error:
            db.session.rollback()
            flash(error.message, "error")
    else:
        flash("请求无效，请刷新后重试", "error")
    return _render(_default_form(formdata=False), CustomRuleForm(formdata=None))


