from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes, rules  # noqa: E402,F401
