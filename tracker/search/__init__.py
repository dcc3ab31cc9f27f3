"""Search over everything recorded (Chinese, segmented by jieba) and recurrence:
whether a problem was raised before (第N次提出)."""
from flask import Blueprint

from ..templating import add_nav

bp = Blueprint("search", __name__)
bp.record_once(lambda state: add_nav("staff", "search.recurring", "反复提出"))

from . import public_routes, routes  # noqa: E402,F401
