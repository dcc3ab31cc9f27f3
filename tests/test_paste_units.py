"""guess_unit / find_units: pre-filling the unit of a pasted point."""

from __future__ import annotations

import pytest

from tracker.paste import find_units, guess_unit
from tracker.paste.units import unit_aliases

UNITS = ["区教育局", "区人民政府", "区人民政府办公室", "区卫生健康局", "区住房和城乡建设局", "区市场监督管理局",
         "区人民法院", "区人力资源和社会保障局"]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("建议区教育局加快学校建设。", "区教育局"),
        ("教育局要会同有关部门加快推进。", "区教育局"),  # alias without the 区 prefix
        ("请区政府办公室牵头，教育局配合。", "区人民政府办公室"),  # the longest match wins
        ("区政府要统筹推进。", "区人民政府"),
        ("区卫健局要加强基层医疗。", "区卫生健康局"),
        ("住建局负责配套学校建设。", "区住房和城乡建设局"),
        ("区人社局要做好就业服务。", "区人力资源和社会保障局"),
        ("市场监管局加强食品安全检查。", "区市场监督管理局"),
        ("区法院要提高审判效率。", "区人民法院"),
        ("会议认为，各部门要加强协作。", None),
        ("", None),
    ],
)
def test_guess_unit(text, unit):
    assert guess_unit(text, UNITS) == unit


def test_alias_shared_by_two_units_is_not_guessed():
    units = ["区教育局", "市教育局"]
    assert guess_unit("教育局要加快建设。", units) is None
    assert guess_unit("市教育局要加快建设。", units) == "市教育局"


def test_market_is_not_a_city_prefix():
    assert "场监督管理局" not in unit_aliases("市场监督管理局")
    assert "市场监管局" in unit_aliases("市场监督管理局")


def test_find_units_lists_every_unit_in_order():
    text = "由区住建局牵头，区教育局、区卫健局配合，区政府办公室督办。"
    assert find_units(text, UNITS) == ["区住房和城乡建设局", "区教育局", "区卫生健康局", "区人民政府办公室"]


def test_no_units_known():
    assert guess_unit("区教育局", []) is None and find_units("区教育局", []) == []
