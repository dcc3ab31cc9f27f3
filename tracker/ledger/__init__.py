"""台账 export/import and official letters (交办函, 督办函, 测评结果通报)."""
from flask import Blueprint

bp = Blueprint("ledger", __name__, cli_group=None)

from . import letter_routes, routes  # noqa: E402,F401
