from flask import Blueprint

bp = Blueprint("items", __name__)

from . import actions, backfill, closure, routes  # noqa: E402,F401
