from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..fields import BaseForm, CNIntegerField


class TermForm(BaseForm):
    word = StringField("词语", validators=[DataRequired("请填写词语"), Length(max=20, message="不超过 20 个字")])


class LinkForm(BaseForm):
    earlier_item_id = CNIntegerField("既往事项", validators=[DataRequired("请选择既往事项")])
