"""承诺 (commitments): the item page's panel and its actions, and 审查意见 asks made commitments."""
from flask import Blueprint

bp = Blueprint("commitments", __name__)

from . import routes  # noqa: E402,F401
