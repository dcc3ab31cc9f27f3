"""承诺 (commitments): the item page's panel and its actions, and 审查意见 asks made commitments."""
from flask import Blueprint

# The follow-up package first: it loads the item actions, which load it back, in that order.
from .. import followup  # noqa: F401

bp = Blueprint("commitments", __name__)

from . import routes  # noqa: E402,F401
