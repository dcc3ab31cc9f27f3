"""gunicorn settings; every value can be overridden from the environment."""
import gc
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
# ACCESS_LOG="-" logs to stdout (default), a path to that file, "" turns the access log off.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
# Load the app before forking so a configuration error stops the master at once.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
# gunicorn's runtime control socket defaults to one path per host, so two instances on a
# machine (two sites, or the tests' servers) would fight over it. Give each bind its own
# path, or turn it off with GUNICORN_CONTROL_SOCKET="".
_control = os.environ.get("GUNICORN_CONTROL_SOCKET")
if _control == "":
    control_socket_disable = True
else:
    control_socket = _control or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"tracker-gunicorn-{bind.replace(':', '-').replace('/', '_')}.ctl")


def pre_fork(server, worker):
    """Freeze what the preloaded app holds before a worker is forked.

    The app, its templates, SQLAlchemy's mappers and the search dictionary are millions of
    long-lived objects. Unfrozen, every full collection in a worker walks them all — 50–75 ms
    pauses inside requests (issue 16) — and touching their reference counts copies the shared
    memory pages into each worker. ``gc.freeze()`` moves them to a generation the collector
    never scans (the recipe of the ``gc`` module's documentation for pre-fork servers).
    """
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """Never share database connections opened in the master with a worker."""
    from tracker.extensions import db

    app = server.app.wsgi()  # the preloaded app, whichever module gunicorn was given
    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """Load the search's word dictionary once in the master (preload_app): workers, and any
    worker that replaces a killed one, inherit it instead of loading it on their first save."""
    from tracker.search.segment import preload
    seconds = preload(server.app.wsgi())
    server.log.info("search dictionary loaded in %.2f s", seconds)
