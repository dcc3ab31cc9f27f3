"""Personal work lists: a unit's 我的事项 and a reviewer's open evaluations."""
from flask import Blueprint

bp = Blueprint("work", __name__)

from . import routes  # noqa: E402,F401
