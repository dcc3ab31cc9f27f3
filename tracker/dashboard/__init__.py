"""Figures for leaders: stage funnel, lights, per-unit rates, monthly flow."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import routes  # noqa: E402,F401
