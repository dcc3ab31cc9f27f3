from flask import Blueprint

bp = Blueprint("activities", __name__)

from . import documents, inquiry, routes  # noqa: E402,F401
