"""Paste a document, get the items: the text engine behind the paste preview.

Pure functions (no Flask, no database) so that the preview view, the import
and the tests call the same code: :func:`split_opinion` for a 审议意见,
:func:`split_inquiry` for a 专题询问 record, :func:`find_promises` for dated
commitments in an answer, :func:`guess_unit` to pre-fill a unit.
"""

from .inquiry import Exchange, InquirySplit, Speaker, Turn, parse_inquiry, split_inquiry
from .opinion import OpinionSplit, Point, split_opinion
from .promises import Promise, find_promises
from .units import find_units, guess_unit

__all__ = [
    "Exchange",
    "InquirySplit",
    "OpinionSplit",
    "Point",
    "Promise",
    "Speaker",
    "Turn",
    "find_promises",
    "find_units",
    "guess_unit",
    "parse_inquiry",
    "split_inquiry",
    "split_opinion",
]
