"""测评会议 pages: open a sitting, the reviewer's one-page ballot, the 表决器 table,
stop and count, the results table and its 测评结果通报."""
from flask import Blueprint

from ..templating import add_nav

bp = Blueprint("sittings", __name__)
bp.record_once(lambda state: add_nav("staff", "sittings.index", "测评会议"))

from . import ballot, routes  # noqa: E402,F401
