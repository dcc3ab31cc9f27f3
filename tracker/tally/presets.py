"""The shipped rule presets, written in the clause format so they read as their texts.

Each preset carries its source text. 镇海区 and 石泉县 are quoted from their published
rules; the 安徽 2013 draft is summarised (marked as such), because only its
consequences are on file.
"""
from __future__ import annotations

from .parse import rule_from_dict
from .rules import Rule

_HALF_OF_ALL = {"share": "1/2", "base": "all_members"}
_QUORUM = {"op": "more_than", "share": "1/2"}  # 法定人数: 实到过半数

ZHENHAI = {
    "key": "zhenhai", "name": "镇海区（2022）",
    "source": "满意票达到全体组成人员半数以上的，为测评满意；满意票不足半数，但加基本满意票达到半数以上的，"
              "为测评基本满意；满意票加基本满意票不足半数的（含半数），为测评不满意。",
    "grades": ["satisfied", "basic", "unsatisfied"],
    "clauses": [
        # 以上 includes the number itself: exactly half is 满意.
        {"grade": "satisfied", "counts": ["satisfied"], "op": "at_least", **_HALF_OF_ALL,
         "text": "满意票达到全体组成人员半数以上的，为测评满意"},
        # 不足半数的（含半数）为不满意: exactly half is not enough for 基本满意.
        {"grade": "basic", "counts": ["satisfied", "basic"], "op": "more_than", **_HALF_OF_ALL,
         "text": "满意票不足半数，但加基本满意票达到半数以上的，为测评基本满意（满意票加基本满意票恰好半数的，"
                 "按‘不足半数的（含半数），为测评不满意’）"},
    ],
    "default_grade": "unsatisfied",
    "default_text": "满意票加基本满意票不足半数的（含半数），为测评不满意",
    "quorum": _QUORUM,
    "outcomes": {"satisfied": {"consequence": "close"}, "basic": {"consequence": "close"},
                 "unsatisfied": {"consequence": "redo", "months": 2}},
    "overrides": [],
    "escalation": {"after_failed_rounds": 2, "label": "提请主任会议挂牌督办"},
}

SHIQUAN = {
    "key": "shiquan", "name": "石泉县",
    "source": "满意票超过常委会组成人员过半数的为满意，不过半的为不满意。测评不满意的，不予通过，重新办理，"
              "再次报告，直到满意为止；两次以上不满意的，责令作出检查，由主任会议决定。",
    "grades": ["satisfied", "unsatisfied"],
    "clauses": [
        {"grade": "satisfied", "counts": ["satisfied"], "op": "more_than", **_HALF_OF_ALL,
         "text": "满意票超过常委会组成人员过半数的为满意"},
    ],
    "default_grade": "unsatisfied", "default_text": "不过半的为不满意",
    "quorum": _QUORUM,
    # No fixed months: the new round's deadline comes from the deadline rule (重新整改).
    "outcomes": {"satisfied": {"consequence": "close"}, "unsatisfied": {"consequence": "redo"}},
    "overrides": [],
    "escalation": {"after_failed_rounds": 2, "label": "责令作出检查，由主任会议决定"},
}

ANHUI2013 = {
    "key": "anhui2013", "name": "安徽省（2013年草案）",
    "source": "（概述，非原文）以实到人数为基数，满意票达到半数以上的为满意；满意票加基本满意票达到半数以上的"
              "为基本满意；其余为不满意。基本满意的，整改；不满意的，在下一次常委会会议上重作报告。",
    "grades": ["satisfied", "basic", "unsatisfied"],
    "clauses": [
        {"grade": "satisfied", "counts": ["satisfied"], "op": "at_least", "share": "1/2", "base": "present",
         "text": "满意票达到实到人数半数以上的为满意"},
        {"grade": "basic", "counts": ["satisfied", "basic"], "op": "at_least", "share": "1/2", "base": "present",
         "text": "满意票加基本满意票达到实到人数半数以上的为基本满意"},
    ],
    "default_grade": "unsatisfied", "default_text": "其余为不满意",
    "quorum": _QUORUM,
    "outcomes": {"satisfied": {"consequence": "close"}, "basic": {"consequence": "continue", "months": 3},
                 "unsatisfied": {"consequence": "redo", "next_meeting": True}},
    "overrides": [],
    "escalation": {"after_failed_rounds": 2, "label": "提请主任会议挂牌督办"},
}

PRESETS: dict[str, Rule] = {data["key"]: rule_from_dict(data) for data in (ZHENHAI, SHIQUAN, ANHUI2013)}
DEFAULT_RULE_KEY = "zhenhai"
