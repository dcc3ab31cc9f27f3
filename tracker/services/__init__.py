"""Operations: the only code that changes workflow state.

Each operation checks the current state, mutates, writes the audit row and flushes.
None of them commits: the request (or CLI command) commits once, so a change and its
history land together or not at all.
"""


class OperationError(Exception):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def checked_text(text: str | None, limit: int, field: str, *, required: bool = True) -> str | None:
    """A text within its limit from ``tracker/limits.py``, stripped (None when empty and not
    required); over the limit or missing, an OperationError naming the field. The one
    place services turn ``limits.check_text`` into a refusal."""
    from ..limits import PasteError, check_text
    try:
        return check_text((text or "").strip(), limit, field, required=required) or None
    except PasteError as error:
        raise OperationError(error.message) from None


STALE_MESSAGE = (
    "已被他人修改：该记录在您打开后已被其他人保存。请刷新页面查看最新内容后再提交（您填写的内容仍保留在表单中）。"
)


def check_version(obj, submitted: int | str | None) -> None:
    """Optimistic locking: refuse a save based on a version someone else has replaced."""
    try:
        submitted_int = int(submitted) if submitted not in (None, "") else None
    except (TypeError, ValueError):
        submitted_int = None
    if submitted_int is None or submitted_int != obj.version:
        raise OperationError(STALE_MESSAGE)
