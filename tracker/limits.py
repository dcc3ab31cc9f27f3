"""Every text limit in one place, and the errors that state them.

The issue that introduced this module ("Nothing is silently cut") asks that a
limit be the same in the form, the Excel import and the paste preview, be shown
as a counter, and refuse an over-long text with the limit stated — never
truncate it.  Forms, import and paste therefore read their numbers here and
raise :class:`TextTooLong`, whose message is ready to show to the user.

Length is counted the way the browser's counter counts it: a line break is one
character whether it arrives as ``\\n`` or ``\\r\\n`` (browsers submit textareas
with ``\\r\\n`` but count ``\\n``), so the counter and the server never disagree.
"""

from __future__ import annotations

__all__ = [
    "ANSWER_TEXT",
    "BULK_LINES",
    "COMMITMENT_TEXT",
    "DISPLAY_NAME",
    "DOCUMENT_NUMBER",
    "DOCUMENT_TEXT",
    "EMAIL",
    "ITEM_REF",
    "ITEM_TEXT",
    "NOTE_TEXT",
    "OFFICIALS_TEXT",
    "PASSWORD",
    "PERSON_NAME",
    "PERSON_POST",
    "PREAMBLE_TEXT",
    "PROGRESS_TEXT",
    "PUBLISHED_NOTE",
    "REASON_TEXT",
    "REPORT_TEXT",
    "RULE_TEXT",
    "SEARCH_WORD",
    "SHORT_REASON",
    "TITLE",
    "UNIT_NAME",
    "USERNAME",
    "EmptyText",
    "PasteError",
    "TextTooLong",
    "check_text",
    "text_length",
]

# A pasted 审议意见 or 专题询问 record.  A 50-page Word document is about 40,000
# characters; 100,000 leaves room for the longest records while refusing
# accidental pastes of whole PDF compilations (the example: 200,000).
DOCUMENT_TEXT = 100_000
# One question, opinion point or preview row (matches the existing item forms).
ITEM_TEXT = 5_000
# A recorded answer (答复) and the commitments made in it.
ANSWER_TEXT = 10_000
COMMITMENT_TEXT = 5_000
# A unit's 研究处理/整改情况报告.
REPORT_TEXT = 50_000
# 退回理由, 延期理由 and similar one-paragraph reasons; notes on a decision.
REASON_TEXT = 2_000
NOTE_TEXT = 2_000
# 询问人 / 应询人 and their posts.
PERSON_NAME = 64
PERSON_POST = 100
# A unit's progress note (进展) with its evidence described.
PROGRESS_TEXT = 20_000
# The activity's preamble (会议认为… and the problem list) and the officials list.
PREAMBLE_TEXT = 20_000
OFFICIALS_TEXT = 2_000
# Titles: an activity, the report it deliberated, a 测评会议.
TITLE = 200
DOCUMENT_NUMBER = 64  # 审议意见文号
ITEM_REF = 32  # the document's own number of a point: "二-（一）"
SHORT_REASON = 500  # a one-line reason (作废重测, 催办说明)
BULK_LINES = 20_000  # several lines entered at once (节假日, 批量)
RULE_TEXT = 20_000  # a tally rule as JSON
SEARCH_WORD = 20
PUBLISHED_NOTE = 200  # a published result's note ("满意率 93.3%")
# Accounts and units.
USERNAME = 64
DISPLAY_NAME = 64
EMAIL = 254
PASSWORD = 256
UNIT_NAME = 100


class PasteError(ValueError):
    """Input the user must fix; ``message`` is the Chinese sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyText(PasteError):
    def __init__(self, field: str) -> None:
        super().__init__(f"「{field}」没有内容：请粘贴或填写文字后再提交")
        self.field = field


class TextTooLong(PasteError):
    """Carries the numbers so a form can show them beside its counter."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(
            f"「{field}」共 {length:,} 字，超过上限 {limit:,} 字；"
            f"系统不会自动截断，请删减或分段后再提交"
        )
        self.field = field
        self.length = length
        self.limit = limit


def text_length(text: str) -> int:
    """Characters as a browser counter shows them (``\\r\\n`` counts once)."""
    return len(text) - text.count("\r\n")


def check_text(text: str | None, limit: int, field: str, *, required: bool = True) -> str:
    """Return ``text`` unchanged if it fits; raise with a Chinese message if not.

    Whitespace-only counts as empty: a paste of blank lines is a mistake, not
    a document.
    """
    text = text or ""
    if required and not text.strip():
        raise EmptyText(field)
    length = text_length(text)
    if length > limit:
        raise TextTooLong(field, length, limit)
    return text
