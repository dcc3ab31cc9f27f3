"""向社会公布: what the law says must be published, without login."""
from flask import Blueprint

from ..templating import add_nav

bp = Blueprint("public", __name__)
bp.record_once(lambda state: add_nav("staff", "public.manage", "向社会公布"))

from . import manage, routes  # noqa: E402,F401
