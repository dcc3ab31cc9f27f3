"""``fields.QuickSelect`` writes exactly the HTML WTForms' own select writes, faster.

Compared option by option with WTForms' ``Select`` on any values and labels Hypothesis
finds (quotes, ``<``, ``&``, Chinese, empty labels, booleans), selected or not, in groups
or not, with an option's own attributes — so the faster way cannot drop an escape or the
``selected`` mark."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from wtforms import Form
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from tracker.fields import CNSelectField, CNSelectMultipleField, QuickSelect

texts = st.text(alphabet=st.sampled_from('a1"\'<>&; 区教育局\u3000'), max_size=8)
values = st.one_of(texts, st.integers(-5, 500), st.booleans())


def _both(field_class, choices, data, **render):
    class F(Form):
        field = field_class(choices=choices)
    form = F(data={"field": data})
    quick = str(form.field(**render))
    default_widget = Select(multiple=isinstance(form.field.widget, QuickSelect) and form.field.widget.multiple)
    return quick, str(default_widget(form.field, **render))


@given(st.lists(st.tuples(values, texts), max_size=6), st.data())
def test_single_select_writes_what_wtforms_writes(choices, data):
    chosen = data.draw(st.sampled_from([c[0] for c in choices])) if choices else None
    quick, default = _both(CNSelectField, choices, chosen)
    assert quick == default


@given(st.lists(st.tuples(st.integers(0, 50), texts), max_size=6, unique_by=lambda c: c[0]), st.data())
def test_multiple_select_and_groups_write_what_wtforms_writes(choices, data):
    chosen = data.draw(st.lists(st.sampled_from([c[0] for c in choices]))) if choices else []
    quick, default = _both(CNSelectMultipleField, choices, chosen)
    assert quick == default and (not choices or " multiple" in quick)
    grouped = [SelectChoice(value, label, optgroup="甲组" if n < 2 else "乙组 <b>")
               for n, (value, label) in enumerate(choices)]
    quick, default = _both(CNSelectField, grouped, choices[0][0] if choices else None)
    assert quick == default


def test_an_option_with_its_own_attributes_and_escaping():
    choices = [("a", "甲", {"disabled": True}), ('"><script>', "<b>乙</b>"), ("", "")]
    quick, default = _both(CNSelectField, choices, '"><script>')
    assert quick == default
    assert '<option disabled value="a">甲</option>' in quick
    assert '<option selected value="&#34;&gt;&lt;script&gt;">&lt;b&gt;乙&lt;/b&gt;</option>' in quick
    assert "<script>" not in quick and "<b>" not in quick
