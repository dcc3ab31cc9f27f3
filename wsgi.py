"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``.

The start-up self-check runs here, not in ``create_app``: it needs a migrated database,
and the command line must stay usable to repair what it refuses (see ``selfcheck.py``).
"""
import os

from tracker import create_app
from tracker.selfcheck import serve_checks

app = create_app()
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":  # `flask --app wsgi <command>` imports this too
    serve_checks(app)
