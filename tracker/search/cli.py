"""``flask reindex``: rebuild the search index from the database."""
from __future__ import annotations

import os
import time

import click
from flask import Flask

from ..extensions import db


def init_search_cli(app: Flask) -> None:
    @app.cli.command("reindex")
    @click.option("--workers", type=int, default=min(2, os.cpu_count() or 1), show_default=True,
                  help="Processes that segment text in parallel.")
    def reindex_command(workers: int) -> None:
        """Rebuild the search index (after an upgrade, or after editing the dictionary)."""
        from .index import reindex
        from .segment import refresh_user_words
        started = time.perf_counter()
        refresh_user_words()
        counts = reindex(echo=click.echo, workers=max(1, workers))
        db.session.commit()
        click.echo(f"检索索引已重建：{sum(counts.values())} 条，用时 {time.perf_counter() - started:.1f} 秒")
