"""tracker/limits.py: one set of text limits, refused with the limit stated, never cut."""

from __future__ import annotations

import pytest

from tracker import limits
from tracker.limits import EmptyText, PasteError, TextTooLong, check_text, text_length


def test_limits_are_ordered_sensibly():
    assert limits.ITEM_TEXT <= limits.ANSWER_TEXT <= limits.REPORT_TEXT < limits.DOCUMENT_TEXT < 200_000


@pytest.mark.parametrize(("text", "length"), [("", 0), ("审议意见", 4), ("一\r\n二", 3), ("一\n二", 3), ("一\r二", 3)])
def test_text_length_counts_a_line_break_once(text, length):
    assert text_length(text) == length


def test_check_text_returns_the_text_unchanged():
    text = "  一、加强管理。\r\n"
    assert check_text(text, 100, "内容") is text


def test_empty_and_whitespace_are_refused_naming_the_field():
    for text in (None, "", "  \n\u3000"):
        with pytest.raises(EmptyText) as err:
            check_text(text, 100, "问题或意见内容")
        assert err.value.message == "「问题或意见内容」没有内容：请粘贴或填写文字后再提交"
        assert isinstance(err.value, PasteError) and isinstance(err.value, ValueError)


def test_optional_empty_is_allowed():
    assert check_text("", 10, "承诺事项", required=False) == ""


def test_over_the_limit_is_refused_with_both_numbers():
    with pytest.raises(TextTooLong) as err:
        check_text("字" * 5_001, limits.ITEM_TEXT, "问题或意见内容")
    e = err.value
    assert (e.field, e.length, e.limit) == ("问题或意见内容", 5_001, 5_000)
    assert e.message == "「问题或意见内容」共 5,001 字，超过上限 5,000 字；系统不会自动截断，请删减或分段后再提交"


def test_exactly_at_the_limit_passes():
    assert check_text("字" * 5_000, limits.ITEM_TEXT, "内容")
