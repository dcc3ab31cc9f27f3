from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..fields import BaseForm


# BaseForm drops NUL and control characters: PostgreSQL refuses NUL in a query
# parameter (a 500), and the admin forms that set passwords filter the same way.
class LoginForm(BaseForm):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名"), Length(max=64, message="用户名不超过 64 个字符")])
    password = PasswordField("密码", validators=[
        DataRequired("请输入密码"), Length(max=256, message="密码不超过 256 个字符")])


class ChangePasswordForm(BaseForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    password = PasswordField("新密码", validators=[
        DataRequired("请输入新密码"), Length(max=256, message="密码不超过 256 个字符")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", "两次输入的新密码不一致")])
