"""Follow-up engine: deadline rules, holiday calendar, lights, 催办/督办, notifications."""
from flask import Blueprint

from ..templating import add_nav

bp = Blueprint("followup", __name__, cli_group=None)  # `flask --app wsgi remind`

bp.record_once(lambda state: add_nav("staff", "followup.overdue", "逾期/临期"))
bp.record_once(lambda state: add_nav("staff", "followup.supervised", "挂牌督办"))
bp.record_once(lambda state: add_nav("staff", "followup.lookbacks", "回头看"))
bp.record_once(lambda state: add_nav("staff", "followup.commitments", "承诺跟踪"))

from . import cli, routes  # noqa: E402,F401
