"""Process-level tuning that no page test would notice if it were lost (issue 16)."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_freezes_the_preloaded_app_before_each_fork():
    """Objects the master holds are moved out of the collector's reach before a worker is
    forked: full collections in workers stop walking the app (50–75 ms pauses otherwise)."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        conf["pre_fork"](None, None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
