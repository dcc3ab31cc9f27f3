"""The further asks in a committee's 审查意见.

On 受理 the committee writes "总体同意…" and usually some further asks ("建议进一步…",
"一、加快…"). Each ask can become a follow-up item; this finds the candidates so staff
pick one instead of copying text. The document's own numbering wins when it has one;
otherwise sentences that ask for something are offered, the plain approval is not.
"""
from __future__ import annotations

import re

from .opinion import split_opinion

__all__ = ["review_asks"]

_ASK = re.compile(r"建议|要求|希望|请|应当|应|进一步|加快|加强|抓紧|尽快|完善|落实|确保|督促|研究")
_APPROVAL_ONLY = re.compile(r"^(?:原则上)?(?:总体)?(?:同意|认可)[^，。；]*[。；]?$")
_INLINE_NUMBER = re.compile(r"(?:[一二三四五六七八九十]{1,3}|\d{1,2})[、．.](?!\d)|[一二三四五六七八九十]是[，,]?")
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")


def review_asks(text: str | None) -> list[str]:
    text = (text or "").strip()
    if not text:
        return []
    try:
        points = [p.text.strip() for p in split_opinion(text).points if p.ref and p.text.strip()]
    except ValueError:
        points = []
    if points:
        return points
    asks = []
    for chunk in _INLINE_NUMBER.split(text):
        for sentence in _SENTENCE.findall(chunk):
            sentence = sentence.strip()
            if len(sentence) >= 6 and _ASK.search(sentence) and not _APPROVAL_ONLY.match(sentence):
                asks.append(sentence)
    return asks
