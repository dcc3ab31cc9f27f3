"""Routes of this area (filled in by its issue)."""
from . import bp  # noqa: F401
