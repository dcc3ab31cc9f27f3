"""Figures for leaders: stage funnel, lights, per-unit rates, monthly flow."""
from flask import Blueprint

from ..templating import add_nav

bp = Blueprint("dashboard", __name__)
bp.record_once(lambda state: add_nav("staff", "dashboard.index", "统计分析"))

from . import routes  # noqa: E402,F401
