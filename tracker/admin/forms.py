from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from ..fields import BaseForm, CNIntegerField, CNSelectField, TextLimit
from ..limits import DISPLAY_NAME, EMAIL, PASSWORD, UNIT_NAME, USERNAME
from ..models import Role, UnitKind


class UserForm(BaseForm):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名"), TextLimit(USERNAME),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message="用户名只能包含字母、数字、下划线、点和连字符")])
    display_name = StringField("姓名", validators=[
        DataRequired("请输入姓名"), TextLimit(DISPLAY_NAME)])
    # 安全管理员 and 审计管理员 accounts are made on the command line only (三员分立).
    role = CNSelectField("角色", choices=[(r.value, r.label) for r in Role if r not in (Role.SECURITY, Role.AUDITOR)],
                         validators=[DataRequired("请选择角色")])
    unit_id = CNSelectField("所属单位", coerce=int, choices=[])
    # A pattern, not wtforms' Email(): that needs the email_validator package (a 500 without it).
    email = StringField("电子邮箱", validators=[
        Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="邮箱格式不正确"),
        TextLimit(EMAIL)])
    active = BooleanField("启用", default=True)
    version = HiddenField()


class NewUserForm(UserForm):
    password = PasswordField("初始密码", validators=[
        DataRequired("请输入初始密码"), TextLimit(PASSWORD, counter=False)])


class ResetPasswordForm(BaseForm):
    password = PasswordField("新密码", validators=[
        DataRequired("请输入新密码"), TextLimit(PASSWORD, counter=False)])


class UnitForm(BaseForm):
    name = StringField("单位名称", validators=[
        DataRequired("请输入单位名称"), TextLimit(UNIT_NAME)])
    kind = CNSelectField("类别", choices=[(k.value, k.label) for k in UnitKind])
    sort_order = CNIntegerField("排序", default=100, validators=[
        Optional(), NumberRange(0, 9999, "排序应为 0–9999 的整数")])
    active = BooleanField("启用", default=True)
    version = HiddenField()


class EmptyForm(BaseForm):
    """CSRF-only form for buttons that post."""
