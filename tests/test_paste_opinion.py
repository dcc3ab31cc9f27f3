"""split_opinion on hand-written edge cases: what a clerk really pastes, and what must not split."""

from __future__ import annotations

import pytest

from tests.paste_render import cpu_growth, web_copy, word_copy
from tracker.limits import DOCUMENT_TEXT, ITEM_TEXT, EmptyText, TextTooLong
from tracker.paste import split_opinion
from tracker.paste.numbering import Kind

OPINION = """关于区人民政府义务教育优质均衡发展工作情况报告的审议意见

区人民政府：
　　区第十七届人大常委会第十二次会议听取和审议了区人民政府关于义务教育优质均衡发展工作情况的报告。会议认为，区政府高度重视义务教育。同时也存在一些问题：一是学位供给仍然紧张；二是师资结构不够合理；三是课后服务质量不高。为此，提出如下意见：
一、加强学位供给
（一）加快学校建设。区教育局要会同区住建局，加快推进新建学校项目。
（二）优化学区划分。
1．科学预测学龄人口。
2．动态调整学区。
（1）每年公布学区图。
①按小区公布。
②按街道公布。
二、加强师资队伍建设
一是补足教师编制。
二是加强培训。
三、提高课后服务质量
以上意见，请区人民政府认真研究处理，并于2023年4月底前将研究处理情况书面报告区人大常委会。
区人大常委会办公室
2023年1月10日
"""


def refs(split):
    return [(p.display_ref, split.points[p.parent].display_ref if p.parent is not None else None, p.level)
            for p in split.points]


def test_full_document_structure():
    s = split_opinion(OPINION)
    assert s.title == "关于区人民政府义务教育优质均衡发展工作情况报告的审议意见"
    assert s.preamble.startswith("区人民政府：\n区第十七届")
    assert "一是学位供给仍然紧张；二是师资结构不够合理" in s.preamble  # the problem list stays in the preamble
    assert refs(s) == [
        ("一", None, 0), ("一-（一）", "一", 1), ("一-（二）", "一", 1), ("一-（二）-1", "一-（二）", 2),
        ("一-（二）-2", "一-（二）", 2), ("一-（二）-2-（1）", "一-（二）-2", 3),
        ("一-（二）-2-（1）-①", "一-（二）-2-（1）", 4), ("一-（二）-2-（1）-②", "一-（二）-2-（1）", 4),
        ("二", None, 0), ("二-一是", "二", 1), ("二-二是", "二", 1), ("三", None, 0),
    ]
    assert [p.ref for p in s.points][:6] == ["一", "（一）", "（二）", "1", "2", "（1）"]
    assert s.points[1].text == "加快学校建设。区教育局要会同区住建局，加快推进新建学校项目。"
    assert s.points[0].kind is Kind.CN and s.points[9].kind is Kind.SHI
    assert s.closing.startswith("以上意见") and s.closing.endswith("2023年1月10日")
    assert "区人大常委会办公室" not in s.points[-1].text
    assert s.warnings == () and s.numbered


def test_word_and_web_copies_of_the_document_split_the_same():
    clean = split_opinion(OPINION)
    for ugly in (word_copy(OPINION), web_copy(OPINION)):
        s = split_opinion(ugly)
        assert [(p.display_ref, p.text) for p in s.points] == [(p.display_ref, p.text) for p in clean.points]
        assert s.closing == clean.closing


@pytest.mark.parametrize("text", ["", " ", "\n\n\u3000\u3000\n", "\r\n\t \u00a0"])
def test_empty_or_whitespace_is_refused_in_chinese(text):
    with pytest.raises(EmptyText) as err:
        split_opinion(text)
    assert err.value.message == "「审议意见全文」没有内容：请粘贴或填写文字后再提交"


def test_only_page_furniture_is_empty():
    with pytest.raises(EmptyText):
        split_opinion("— 1 —\n\n— 2 —\n首页 > 通知公告 > 正文\n打印")


def test_too_long_is_refused_with_the_limit_never_cut():
    with pytest.raises(TextTooLong) as err:
        split_opinion("一、" + "字" * 199_999)  # 200,001 characters
    assert err.value.length == 200_001 and err.value.limit == DOCUMENT_TEXT
    assert "200,001" in err.value.message and f"{DOCUMENT_TEXT:,}" in err.value.message
    assert "不会自动截断" in err.value.message


def test_exactly_the_limit_is_accepted_and_crlf_counts_once():
    body = "一、加强管理。\r\n二、完善制度。\r\n"
    text = body + "字" * (DOCUMENT_TEXT - len(body.replace("\r\n", "\n")))
    assert len(text) > DOCUMENT_TEXT  # the CRLFs would push a naive count over
    assert [p.ref for p in split_opinion(text).points] == ["一", "二"]


def test_no_numbering_gives_one_point_and_says_so():
    s = split_opinion("会议认为，要进一步加强管理，完善制度，落实责任。\n请区政府认真研究。")
    assert not s.numbered and len(s.points) == 1 and s.points[0].kind is Kind.NONE and s.points[0].ref == ""
    assert s.points[0].text == "会议认为，要进一步加强管理，完善制度，落实责任。\n请区政府认真研究。"
    assert "全文作为一项" in s.warnings[0]


@pytest.mark.parametrize(
    "text",
    [
        "根据《条例》第一、二款的规定，应当在\n一、二款规定的期限内报告。",  # 第一、二款 wrapped at the line end
        "一、二、三产业融合发展取得成效。\n会议要求继续推进。",  # a list of numbers, not a heading
        "全年完成投资\n1.5亿元，同比增长12%。",  # 1.5亿元 at a line start
        "2023.10 起施行。\n3月底前完成。",  # a date with a dot
        "统一是前提，唯一是标准。",  # 一是 inside words
    ],
)
def test_numbers_inside_sentences_do_not_split(text):
    s = split_opinion(text)
    assert not s.numbered, [p.ref for p in s.points]


def test_gap_and_restart_are_warned():
    s = split_opinion("一、甲。\n三、丙。\n二、乙。")
    assert [p.ref for p in s.points] == ["一", "三", "二"]
    assert any("「三」之前缺少第 2 项" in w for w in s.warnings)
    assert any("编号重复或倒退" in w for w in s.warnings)


def test_first_point_not_one_is_warned():
    s = split_opinion("会议提出以下意见：\n二、乙。\n三、丙。")
    assert any("「二」之前缺少第 1 项" in w for w in s.warnings)


def test_mixed_separators_among_siblings_are_warned():
    s = split_opinion("1.加强管理。\n2、完善制度。\n3.落实责任。")
    assert [p.ref for p in s.points] == ["1", "2", "3"]
    assert any("标点不一致" in w for w in s.warnings)


def test_chinese_heading_after_arabic_list_is_a_new_top_level_point():
    s = split_opinion("1、联席办建立机制。\n2、加大协调力度。\n一、领导高度重视\n省政府领导十分重视。")
    assert refs(s) == [("1", None, 0), ("2", None, 0), ("一", None, 0)]
    assert any("编号混用" in w for w in s.warnings)


def test_same_style_at_two_levels_is_warned():
    s = split_opinion("（一）加强管理\n1.甲。\n（1）子项。\n（二）完善制度\n（1）乙。")
    assert any("编号层级不一致" in w for w in s.warnings) or refs(s)[-1] == ("（二）-（1）", "（二）", 1)


def test_shi_paragraphs_without_other_numbering_are_the_points():
    s = split_opinion("会议认为：\n一是加强领导。\n二是完善机制。\n三是强化督查。")
    assert [(p.ref, p.text) for p in s.points] == [
        ("一是", "加强领导。"), ("二是", "完善机制。"), ("三是", "强化督查。")]
    assert s.preamble == "会议认为："


def test_inline_shi_run_is_split_only_as_a_last_resort():
    s = split_opinion("建议：一是加强领导，落实责任；二是完善机制；三是强化督查。")
    assert [p.ref for p in s.points] == ["一是", "二是", "三是"]
    assert s.preamble == "建议："
    assert "按段内" in s.warnings[0]


def test_inline_shi_inside_a_numbered_point_stays_inside():
    s = split_opinion("一、加强师资。一是补足编制；二是加强培训。\n二、提高质量。")
    assert [p.ref for p in s.points] == ["一", "二"]
    assert s.points[0].text == "加强师资。一是补足编制；二是加强培训。"


def test_halfwidth_and_fullwidth_markers_are_the_same_refs():
    s = split_opinion("(一)甲。\n（二）乙。\n(3)丙。\n１．丁。")
    assert [p.ref for p in s.points] == ["（一）", "（二）", "（3）", "1"]


def test_heading_on_its_own_line_takes_the_next_paragraph():
    s = split_opinion("（一）\n加强管理，完善制度。\n（二）\n落实责任。")
    assert [(p.ref, p.text) for p in s.points] == [("（一）", "加强管理，完善制度。"), ("（二）", "落实责任。")]


def test_running_header_and_page_numbers_are_removed_and_listed():
    text = ("××区人大常委会文件\n一、加强学位供给，加快推进新建学校\n\n— 2 —\n\n××区人大常委会文件\n"
            "项目建设。\n二、加强师资。\n-3-\n××区人大常委会文件\n三、提高质量。")
    s = split_opinion(text)
    assert [(p.ref, p.text) for p in s.points] == [
        ("一", "加强学位供给，加快推进新建学校项目建设。"), ("二", "加强师资。"), ("三", "提高质量。")]
    assert s.removed_lines == ("— 2 —", "-3-", "××区人大常委会文件", "××区人大常委会文件")


def test_hard_line_breaks_inside_a_sentence_are_joined():
    text = ("　　一、区教育局要会同区住建局，加快推进新建学校项目，确保\n按期投入使用。\n"
            "　　二、区卫生健康局要加强基层医疗机构建设，提升服务\n能力，方便群众就医。")
    s = split_opinion(text)
    assert [p.text for p in s.points] == [
        "区教育局要会同区住建局，加快推进新建学校项目，确保按期投入使用。",
        "区卫生健康局要加强基层医疗机构建设，提升服务能力，方便群众就医。",
    ]


def test_fullwidth_spaces_and_digits_are_normalized():
    s = split_opinion("一、　加强管理　　 ，全年投入２０２３万元。")
    assert s.points[0].text == "加强管理，全年投入2023万元。"


def test_over_long_point_is_flagged_not_cut():
    s = split_opinion("一、" + "加" * (ITEM_TEXT + 1) + "\n二、乙。")
    assert len(s.points[0].text) == ITEM_TEXT + 1
    assert "超过单项上限" in s.points[0].warnings[0]


def test_deterministic():
    assert split_opinion(OPINION) == split_opinion(OPINION)


def test_fifty_pages_split_in_linear_time():
    """A 公文 page holds 22 lines × 28 characters; 50 pages are 30,800 characters.

    The big side is twice that (a Word copy with footers and headers on every page).
    The time itself is reported by bench/paste_bench.py, not asserted here.
    """
    small = "\n".join([word_copy(OPINION)] * 33)
    assert len("\n".join([small] * 4)) >= 2 * 50 * 22 * 28
    assert len(split_opinion("\n".join([small] * 4)).points) == 12 * 33 * 4
    growth = cpu_growth(split_opinion, small)
    assert growth < 8, growth


def test_problem_list_paragraphs_before_the_points_stay_in_the_preamble():
    text = ("会议认为，工作取得积极成效，但仍存在以下问题：\n一是学位供给紧张。\n二是师资结构不合理。\n"
            "为此，提出如下意见：\n一、加快学校建设。\n二、加强师资队伍建设。\n一是补足编制。\n二是加强培训。")
    s = split_opinion(text)
    assert s.preamble == ("会议认为，工作取得积极成效，但仍存在以下问题：\n一是学位供给紧张。\n二是师资结构不合理。\n"
                          "为此，提出如下意见：")
    assert refs(s) == [("一", None, 0), ("二", None, 0), ("二-一是", "二", 1), ("二-二是", "二", 1)]
