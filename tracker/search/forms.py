from wtforms import StringField
from wtforms.validators import DataRequired

from ..fields import BaseForm, CNIntegerField, TextLimit
from ..limits import SEARCH_WORD


class TermForm(BaseForm):
    word = StringField("词语", validators=[DataRequired("请填写词语"), TextLimit(SEARCH_WORD)])


class LinkForm(BaseForm):
    earlier_item_id = CNIntegerField("既往事项", validators=[DataRequired("请选择既往事项")])
