from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import follow_up, routes  # noqa: E402,F401
