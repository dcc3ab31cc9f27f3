"""``kept.Kept``: a value is built once per key, and a full store starts over instead of growing."""
from __future__ import annotations

from tracker.kept import Kept


def test_built_once_per_key_and_bounded():
    built = []
    kept: Kept[str] = Kept(limit=3)

    def build(key):
        return lambda: built.append(key) or f"v{key}"

    assert [kept.get(k, build(k)) for k in (1, 2, 1, 3, 2)] == ["v1", "v2", "v1", "v3", "v2"]
    assert built == [1, 2, 3] and len(kept) == 3
    assert kept.get(4, build(4)) == "v4" and len(kept) == 1  # full: emptied, then the new value
    assert kept.get(1, build(1)) == "v1" and built == [1, 2, 3, 4, 1]
