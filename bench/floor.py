"""The benchmark's floors: the least a page of 50 item rows can cost in this stack.

``bench.floor:app`` is the production app plus two routes served by the same gunicorn in
the same run, so page/floor ratios compare like with like:

* ``/_bench/floor`` — the true floor. It skips everything a real page does (login,
  visibility, filters, counts, lights, layout): one raw SQL query for 50 rows of item +
  activity + lead unit, newest first (the primary key order, the cheapest there is), and a
  plain template with no inheritance, compiled once (compiling it per request, as this
  route did before, doubled its cost and made every published ratio ~2× too kind).
* ``/_bench/floor-real`` — the realistic floor: a logged-in user, the full layout
  (``base.html``: navigation, CSRF token, flashed messages) and 50 ORM ``Item`` rows with
  their activity and lead unit loaded. What any real page of this app must pay before it
  does anything of its own.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template
from flask_login import login_required
from sqlalchemy.orm import joinedload

from tracker import create_app
from tracker.extensions import db
from tracker.models import Item

FLOOR_SQL = sa.text("""
    SELECT item.id, item.activity_id, item.seq, item.question, item.stage, item.deadline,
           activity.title AS activity_title, unit.name AS unit_name
    FROM item JOIN activity ON activity.id = item.activity_id
    LEFT JOIN unit ON unit.id = item.lead_unit_id
    ORDER BY item.id DESC LIMIT 50
""")
FLOOR_TEMPLATE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>floor</title>
<table>{% for r in rows %}<tr><td>{{ r.activity_id }}-{{ r.seq }}</td><td>{{ r.question }}</td>
<td>{{ r.stage }}</td><td>{{ r.deadline or "" }}</td><td>{{ r.activity_title }}</td>
<td>{{ r.unit_name or "" }}</td></tr>{% endfor %}</table></html>"""
REAL_TEMPLATE = """{% extends "base.html" %}{% block title %}floor{% endblock %}{% block content %}
<table>{% for i in items %}<tr><td>{{ i.activity_id }}-{{ i.seq }}</td><td>{{ i.question }}</td>
<td>{{ i.stage.label }}</td><td>{{ i.deadline or "" }}</td><td>{{ i.activity.title }}</td>
<td>{{ i.lead_unit.name if i.lead_unit else "" }}</td></tr>{% endfor %}</table>{% endblock %}"""

floor_bp = Blueprint("bench_floor", __name__)
_compiled: dict[str, object] = {}


def _template(name: str, source: str):
    """Compiled once per process, like a file template from Jinja's cache."""
    if name not in _compiled:
        _compiled[name] = current_app.jinja_env.from_string(source)
    return _compiled[name]


@floor_bp.route("/_bench/floor")
def floor():
    rows = db.session.execute(FLOOR_SQL).all()
    return _template("floor", FLOOR_TEMPLATE).render(rows=rows)


@floor_bp.route("/_bench/floor-real")
@login_required
def floor_real():
    items = db.session.scalars(sa.select(Item).options(joinedload(Item.activity), joinedload(Item.lead_unit))
                               .order_by(Item.id.desc()).limit(50)).all()
    return render_template(_template("real", REAL_TEMPLATE), items=items)


def create_bench_app():
    bench_app = create_app()
    bench_app.register_blueprint(floor_bp)
    return bench_app


app = create_bench_app()
