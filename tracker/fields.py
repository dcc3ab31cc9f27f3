"""WTForms fields whose built-in error messages are in Chinese.

WTForms' own messages ("Not a valid date value.") are English; users of this app read
Chinese, so every field that can reject input says why in Chinese.
"""
from __future__ import annotations

import datetime

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, IntegerField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

from .limits import TextTooLong, text_length

MIN_DATE = datetime.date(2000, 1, 1)
MAX_DATE = datetime.date(2099, 12, 31)


class CNDateField(DateField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data, self.raw_data = None, []  # spaces are no input: InputRequired must refuse them
            return
        try:
            super().process_formdata([valuelist[0].strip()])
        except ValueError:
            self.data = None
            raise ValueError("日期格式不正确，应为 年-月-日（如 2026-12-31）")
        if self.data and not MIN_DATE <= self.data <= MAX_DATE:
            self.data = None
            raise ValueError("日期超出合理范围（2000–2099 年）")


class CNIntegerField(IntegerField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data, self.raw_data = None, []  # spaces are no input: InputRequired must refuse them
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError("请输入整数")
        if abs(self.data) > 1_000_000:
            self.data = None
            raise ValueError("数值过大")


class QuickSelect(Select):
    """WTForms' select with its plain options written in one f-string: the same HTML
    (``<option selected value="…">``, value and label escaped), without an attribute dict
    sorted and two ``Markup.format`` calls per option. The item page renders ~64 options
    (units, merge targets, …): 153 ``Markup.format`` calls, about a fifth of its Python
    time under the profiler; an option costs 3.4 µs here, 25.7 µs that way. An option
    with its own attributes takes WTForms' way."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')  # noqa: S704 - both escaped


class CNSelectField(SelectField):
    widget = QuickSelect()

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("请从列表中选择有效的选项")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("请从列表中选择有效的选项")


class CNRadioField(RadioField):
    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("请从给出的选项中选择")


class CNSelectMultipleField(SelectMultipleField):
    widget = QuickSelect(multiple=True)

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("所选内容包含无效的选项")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError("所选内容包含无效的选项")


class CleanTextAreaField(TextAreaField):
    """Normalises line endings and strips NUL bytes (PostgreSQL rejects them in text)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            self.data = self.data.replace("\x00", "").replace("\r\n", "\n").strip()


# Characters XML 1.0 cannot hold besides C0 controls: U+FFFE, U+FFFF and lone surrogates.
# One in a field made every Word letter (.docx) and Excel export holding it fail; they are
# dropped at input, so every output is safe.
_NOT_XML = {0xFFFE, 0xFFFF}


def _xml_safe(ch: str) -> bool:
    code = ord(ch)
    return code not in _NOT_XML and not 0xD800 <= code <= 0xDFFF


def strip_control(value):
    """Drop NUL and other C0 controls except tab/newline (PostgreSQL refuses NUL in text,
    and invisible controls in a 台账 only cause trouble later) and the code points XML
    cannot hold (see ``_xml_safe``)."""
    if isinstance(value, str):
        return "".join(ch for ch in value if (ch in "\t\n" or ch >= " " or ch == "\r") and _xml_safe(ch)
                       ).replace("\r\n", "\n")
    return value


class TextLimit:
    """A text limit from ``tracker.limits``: counted as the browser counter counts
    (``\r\n`` once), refused with the limit stated, never cut. Unlike WTForms'
    ``Length`` it renders no ``maxlength`` (a browser silently cuts a paste at
    maxlength) but ``data-limit``, which static/js/limits.js shows as a live counter."""

    field_flags: dict = {}

    def __init__(self, limit: int, min: int = 0, counter: bool = True, too_short: str | None = None) -> None:
        self.limit, self.min, self.counter, self.too_short = limit, min, counter, too_short

    def __call__(self, form, field) -> None:
        n = text_length(field.data or "")
        if n > self.limit:
            raise ValidationError(TextTooLong(field.label.text, n, self.limit).message)
        if self.min and 0 < n < self.min:
            raise ValidationError(self.too_short or f"「{field.label.text}」至少 {self.min} 字")


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(options.get("filters") or unbound_field.kwargs.get("filters") or [])
            options["filters"] = [strip_control, *filters]
            limits = [v for v in unbound_field.kwargs.get("validators") or [] if isinstance(v, TextLimit)]
            if limits and limits[0].counter:
                render_kw = dict(unbound_field.kwargs.get("render_kw") or {})
                render_kw.setdefault("data-limit", limits[0].limit)
                options["render_kw"] = render_kw
            return unbound_field.bind(form=form, **options)
