"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``."""
from tracker import create_app

app = create_app()
