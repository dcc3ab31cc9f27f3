from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import audit, routes, rules  # noqa: E402,F401
