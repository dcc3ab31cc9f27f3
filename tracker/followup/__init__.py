"""Follow-up engine: deadline rules, holiday calendar, lights, 催办/督办, notifications."""
from flask import Blueprint

bp = Blueprint("followup", __name__, cli_group=None)  # `flask --app wsgi remind`

from . import routes  # noqa: E402,F401
