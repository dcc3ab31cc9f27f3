"""External programs some tests need (LibreOffice, poppler, chromium).

On a developer machine a missing program skips the test with the command that installs
it; under CI (CI=true) it fails, so a green CI never hides a missing dependency.
"""
from __future__ import annotations

import os
import shutil

import pytest


def require_program(*names: str, install: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f"需要 {' 或 '.join(names)}：请运行 `{install}`（needs {names[0]}: `{install}`）"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
