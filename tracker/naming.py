"""The words each kind of matter uses, in one table read by every page, letter and export.

A 审议意见 is not "answered" by an official at a session: the government studies it and
sends a 研究处理情况报告. A 专题询问 question has an 询问人, an 应询人 and an 答复 with
承诺. Templates say ``item.terms.answer`` instead of spelling either out.
"""
from __future__ import annotations

from dataclasses import dataclass

from .models.item import Origin


@dataclass(frozen=True)
class Terms:
    matter: str  # 询问问题 / 审议意见
    asker: str | None  # 询问人 (none for a 审议意见)
    asked_unit: str  # 被询问单位 / 承办单位
    respondent: str | None  # 应询人
    answer: str  # 答复 / 研究处理情况
    no_answer: str  # 尚未答复 / 尚未报送研究处理情况
    commitments: str  # 承诺事项 / 研究处理方案
    report: str  # 整改情况报告 / 研究处理情况报告
    response_entry: str  # the unit's first written answer


TERMS = {
    Origin.QUESTION: Terms(matter="询问问题", asker="询问人", asked_unit="被询问单位", respondent="应询人",
                           answer="答复", no_answer="尚未答复", commitments="承诺事项", report="整改情况报告",
                           response_entry="答复/整改方案"),
    Origin.OPINION: Terms(matter="审议意见", asker=None, asked_unit="承办单位", respondent=None,
                          answer="研究处理情况", no_answer="尚未报送研究处理情况", commitments="研究处理方案",
                          report="研究处理情况报告", response_entry="研究处理方案"),
}


def terms_for(origin: Origin) -> Terms:
    return TERMS[origin]
