"""Going back to the page a button was pressed on, without an open redirect."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def same_site_path(url: str | None) -> str | None:
    """The path and query of a same-site URL, or None: another host, a scheme-relative
    ``//evil`` or ``/\\evil``, a ``javascript:`` URL or a header-splitting newline."""
    if not url or any(c in url for c in "\r\n\t") or "\\" in url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != request.host):
        return None
    if not parts.netloc and parts.scheme:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def back_to(default: str) -> str:
    """The form's ``next`` field when it names a page of this site, else ``default``."""
    return same_site_path(request.form.get("next")) or default
