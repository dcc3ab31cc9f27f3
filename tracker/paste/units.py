"""Pre-fill the unit of a pasted point from the units the app knows.

Texts name units loosely: the app's "区卫生健康局" appears as "区卫健局",
"卫生健康局" or "卫健委"; "区人民政府" as "区政府".  Each known name gets
aliases (without the 区/市/县 prefix, and the usual short forms); the longest
alias found in the text wins, so "区政府办公室" beats "区政府".  An alias that
two units share (教育局 when both 区教育局 and 市教育局 exist) is dropped
rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["find_units", "guess_unit", "unit_aliases"]

# "区" / "市" / "县", or a place name with its level ("海淀区"); never the 市 of 市场.
_LEVEL_PREFIX = re.compile(r"^(?:[区市县](?!场)|[\u4e00-\u9fff]{2,4}?[区县市](?!场))(?=[\u4e00-\u9fff]{3})")
# Long official words → the short forms used in speech and minutes.
_SHORT_FORMS = (
    ("住房和城乡建设", "住建"),
    ("人力资源和社会保障", "人社"),
    ("卫生健康委员会", "卫健委"),
    ("卫生健康", "卫健"),
    ("市场监督管理", "市场监管"),
    ("发展和改革委员会", "发改委"),
    ("发展和改革", "发改"),
    ("自然资源和规划", "自然资源"),
    ("城市管理综合行政执法", "城管执法"),
    ("城市管理", "城管"),
    ("文化和旅游", "文旅"),
    ("文化广电旅游体育", "文广旅体"),
    ("交通运输", "交通"),
    ("农业农村", "农业农村"),
    ("医疗保障", "医保"),
    ("应急管理", "应急"),
    ("退役军人事务", "退役军人"),
    ("生态环境", "生态环境"),
    ("人民政府", "政府"),
    ("人民法院", "法院"),
    ("人民检察院", "检察院"),
    ("监察委员会", "监委"),
    ("教育体育", "教体"),
)
_MIN_ALIAS = 3  # two-character aliases (教育, 法院) match too much ordinary text


def unit_aliases(name: str) -> set[str]:
    """The ways a text may name ``name`` (always including ``name`` itself)."""
    names = {name}
    m = _LEVEL_PREFIX.match(name)
    prefix = m.group(0) if m and not name[m.end():].startswith("人民") else ""
    bases = {name, name[len(prefix):]} if prefix else {name}
    for base in list(bases):
        short = base
        for long, abbr in _SHORT_FORMS:
            short = short.replace(long, abbr)
        bases.add(short)
        if prefix and not short.startswith(prefix):
            bases.add(prefix + short)
    names |= {b for b in bases if len(b) >= _MIN_ALIAS}
    return names


def _alias_table(unit_names: Iterable[str]) -> dict[str, str]:
    owners: dict[str, set[str]] = {}
    names = [n.strip() for n in unit_names if n and n.strip()]
    for name in names:
        for alias in unit_aliases(name):
            owners.setdefault(alias, set()).add(name)
    table = {alias: next(iter(o)) for alias, o in owners.items() if len(o) == 1}
    for name in names:  # a full name always means itself
        table[name] = name
    return table


def find_units(text: str, unit_names: Iterable[str]) -> list[str]:
    """Every known unit the text names, in order of first mention, no overlaps."""
    table = _alias_table(unit_names)
    if not text or not table:
        return []
    pattern = re.compile("|".join(re.escape(a) for a in sorted(table, key=len, reverse=True)))
    found: list[str] = []
    for m in pattern.finditer(text):
        unit = table[m.group(0)]
        if unit not in found:
            found.append(unit)
    return found


def guess_unit(text: str, unit_names: Iterable[str]) -> str | None:
    """The unit named by the longest matching alias (earliest on a tie), or None."""
    table = _alias_table(unit_names)
    if not text or not table:
        return None
    best: tuple[int, int, str] | None = None
    for alias, unit in table.items():
        pos = text.find(alias)
        if pos >= 0:
            key = (-len(alias), pos, unit)
            if best is None or key < best:
                best = key
    return best[2] if best else None
