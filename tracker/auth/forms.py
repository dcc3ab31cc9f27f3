from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from ..fields import BaseForm, TextLimit
from ..limits import PASSWORD, USERNAME


# BaseForm drops NUL and control characters: PostgreSQL refuses NUL in a query
# parameter (a 500), and the admin forms that set passwords filter the same way.
class LoginForm(BaseForm):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名"), TextLimit(USERNAME, counter=False)])
    password = PasswordField("密码", validators=[
        DataRequired("请输入密码"), TextLimit(PASSWORD, counter=False)])


class ChangePasswordForm(BaseForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    password = PasswordField("新密码", validators=[
        DataRequired("请输入新密码"), TextLimit(PASSWORD, counter=False)])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", "两次输入的新密码不一致")])
