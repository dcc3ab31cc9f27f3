"""Answer classes (答复分类 A–D) per lead unit, for the dashboard.

Scope is the dashboard's (the year's activities, optionally one 工作机构; 作废 items out).
Per lead unit: how many items were classed A, B, C or D, how many are not classed yet,
and each class's rate = items of that class ÷ items classed (unclassed items are not in
the denominator: a rate of answers, not of all items). Counted in the pass that counts the
unit's other figures (``stats._unit_rows_statement``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..choices import unit_refs
from ..models import AnswerClass
from .scope import Scope
from .stats import unit_figures


@dataclass
class ClassRow:
    unit_id: int | None
    name: str
    counts: dict[AnswerClass, int] = field(default_factory=lambda: dict.fromkeys(AnswerClass, 0))
    unclassed: int = 0

    @property
    def classed(self) -> int:
        return sum(self.counts.values())

    def rate(self, answer_class: AnswerClass) -> float | None:
        return self.counts[answer_class] / self.classed if self.classed else None

    def add(self, other: ClassRow) -> None:
        for key, value in other.counts.items():
            self.counts[key] += value
        self.unclassed += other.unclassed


def answer_class_rows(scope: Scope) -> tuple[list[ClassRow], ClassRow]:
    """Rows per lead unit with at least one item (ordered like the unit list) and 合计."""
    units = unit_refs()
    rows, total = [], ClassRow(None, "合计")
    for result in unit_figures(scope):
        lead = result["lead_unit_id"]
        unit = units.get(lead)
        row = ClassRow(lead, unit.name if unit else "（未交办）",
                       counts={c: int(result[f"c_{c.value}"]) for c in AnswerClass},
                       unclassed=int(result["unclassed"]))
        total.add(row)
        rows.append(row)  # 未交办 too (last), so the rows add up to 合计
    rows.sort(key=lambda r: (0, units[r.unit_id].sort_order, r.name) if r.unit_id in units else (1, 0, r.name))
    return rows, total
