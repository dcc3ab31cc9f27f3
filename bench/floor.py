"""The benchmark's floor: the least a page of 50 item rows can cost in this stack.

``bench.floor:app`` is the production app plus one route, ``/_bench/floor``, served by the
same gunicorn in the same run, so page/floor ratios compare like with like. The route
skips everything a real page does (login, visibility, filters, counts, lights, layout):
one raw SQL query for 50 rows of item + activity + lead unit, newest first (the primary
key order, the cheapest there is) and a plain template with no inheritance.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template_string

from tracker import create_app
from tracker.extensions import db

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

floor_bp = Blueprint("bench_floor", __name__)


@floor_bp.route("/_bench/floor")
def floor():
    rows = db.session.execute(FLOOR_SQL).all()
    return render_template_string(FLOOR_TEMPLATE, rows=rows)


def create_bench_app():
    bench_app = create_app()
    bench_app.register_blueprint(floor_bp)
    return bench_app


app = create_bench_app()
