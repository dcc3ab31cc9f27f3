"""split_inquiry / parse_inquiry: layouts, speakers, pairing, and what is dropped."""

from __future__ import annotations

import pytest

from tests.paste_render import cpu_growth, word_copy
from tracker.limits import EmptyText, TextTooLong
from tracker.paste import parse_inquiry, split_inquiry
from tracker.paste.speakers import Role, parse_speaker

LABELLED = """区人大常委会关于义务教育均衡发展的专题询问
主持人：下面进行专题询问，请委员提问。
王某某委员：目前城区学校大班额问题突出，请问区教育局有什么解决办法？
区教育局局长张某某：谢谢王委员的提问。我们将在下学期开学前新增学位1200个，
年底前完成两所学校的改扩建。
区住房和城乡建设局副局长李某：配套学校建设方面，我们力争2026年6月底前竣工交付。
记者：现场气氛热烈。
区人大代表赵某：关于课后服务收费，请问如何规范？
区教育局局长张某某：三个月内出台收费指导意见。
赵某代表：追问一下，指导意见出台前怎么办？
区教育局局长张某某：10个工作日内先行发布通知。
"""


def summary(exchanges):
    return [
        (e.asker.name if e.asker else None, [(a.speaker.name, a.speaker.post, a.speaker.unit) for a in e.answers],
         e.follow_up)
        for e in exchanges
    ]


def test_labelled_layout_pairs_several_answers_and_follow_ups():
    r = parse_inquiry(LABELLED)
    assert r.layout == "labelled"
    assert summary(r.exchanges) == [
        ("王某某", [("张某某", "区教育局局长", "区教育局"),
                   ("李某", "区住房和城乡建设局副局长", "区住房和城乡建设局")], False),
        ("赵某", [("张某某", "区教育局局长", "区教育局")], False),
        ("赵某", [("张某某", "区教育局局长", "区教育局")], True),
    ]
    first = r.exchanges[0]
    assert first.question.text == "目前城区学校大班额问题突出，请问区教育局有什么解决办法？"
    assert first.answers[0].text == "谢谢王委员的提问。我们将在下学期开学前新增学位1200个，年底前完成两所学校的改扩建。"
    assert first.asker.post == "委员" and r.exchanges[1].asker.post == "区人大代表"
    assert r.dropped == ("记者：现场气氛热烈。",)
    assert r.preamble == "区人大常委会关于义务教育均衡发展的专题询问"
    assert [t.speaker.role for t in first.context] == [Role.HOST]  # 主持人 kept as context


def test_reporter_line_does_not_end_an_exchange():
    r = parse_inquiry(LABELLED)
    assert len(r.exchanges[0].answers) == 2  # the 记者 line between answers is dropped, not a turn


def test_question_answer_layout_with_parentheses():
    text = ("问（王某某委员）：老旧小区加装电梯进展如何？\n"
            "答（区住建局局长陈某）：今年已完成30台，年底前再完成50台。\n"
            "问（李某代表）：停车难怎么解决？\n"
            "答（区城管局副局长周某）：一季度完成规划。\n"
            "答（区交通局局长吴某）：下半年新增泊位500个。")
    r = parse_inquiry(text)
    assert r.layout == "qa"
    assert summary(r.exchanges) == [
        ("王某某", [("陈某", "区住建局局长", "区住建局")], False),
        ("李某", [("周某", "区城管局副局长", "区城管局"), ("吴某", "区交通局局长", "区交通局")], False),
    ]


def test_bare_question_answer_with_the_person_on_the_line_before():
    text = "王某某委员\n问：学前教育学位缺口多大？\n区教育局局长张某某\n答：缺口约800个，明年9月前补齐。"
    (e,) = split_inquiry(text)
    assert e.asker.name == "王某某" and e.question.text == "学前教育学位缺口多大？"
    assert (e.answers[0].speaker.name, e.answers[0].speaker.unit) == ("张某某", "区教育局")


def test_speaker_on_its_own_line_then_text():
    text = "工业和信息化部部长 金壮龙：\n谢谢你的提问。\n王某某委员：\n请问进展如何？\n区科技局局长刘某：\n年内完成。"
    r = parse_inquiry(text)
    # the minister's words before any question are an answer without a question
    assert r.exchanges[0].question is None and r.exchanges[0].answers[0].speaker.name == "金壮龙"
    assert r.exchanges[0].answers[0].text == "谢谢你的提问。"
    assert summary(r.exchanges)[1] == ("王某某", [("刘某", "区科技局局长", "区科技局")], False)
    assert r.exchanges[1].question.text == "请问进展如何？"
    assert r.exchanges[1].answers[0].text == "年内完成。" and r.exchanges[1].warnings == ()


def test_answer_without_question_and_question_without_answer_are_warned():
    text = "区教育局局长张某某：我先介绍情况。\n王某某委员：请问何时完成？"
    r = parse_inquiry(text)
    assert r.exchanges[0].question is None and "没有找到问题" in r.exchanges[0].warnings[0]
    assert r.exchanges[1].answers == () and "没有找到对这个问题的答复" in r.exchanges[1].warnings[0]


def test_news_style_paragraphs():
    text = ("在评议会上，刘某、杨某等3名常委会组成人员就“超大班”问题询问区政府负责人。"
            "副区长张某某当场作出承诺，力争在年底前彻底化解城区学校“超大班”问题。\n"
            "“这个路段什么时候修？”委员李某某率先询问。\n副区长朱某某立即回应：“三个月内完成修复。”")
    r = parse_inquiry(text)
    assert r.layout == "news" and "新闻报道式" in r.warnings[0]
    assert summary(r.exchanges) == [
        ("刘某、杨某", [("张某某", "副区长", None)], False),
        ("李某某", [("朱某某", "副区长", None)], False),
    ]
    assert r.exchanges[1].question.text == "这个路段什么时候修？"
    assert r.exchanges[1].answers[0].text == "三个月内完成修复。"


def test_narrative_mentioning_members_is_not_a_turn_in_a_labelled_record():
    text = ("会议邀请区人大常委会委员王某某等参加询问。\n"
            "王某某委员：请问进展？\n区教育局局长张某某：年底前完成。")
    r = parse_inquiry(text)
    assert len(r.exchanges) == 1 and r.preamble.startswith("会议邀请")


def test_nothing_recognisable_says_how_to_fix_it():
    r = parse_inquiry("会议认为，询问效果良好。")
    assert r.exchanges == () and "姓名+职务" in r.warnings[0]


@pytest.mark.parametrize("text", ["", "   \n\u3000"])
def test_empty_is_refused(text):
    with pytest.raises(EmptyText) as err:
        split_inquiry(text)
    assert "询问记录全文" in err.value.message


def test_too_long_is_refused():
    with pytest.raises(TextTooLong):
        split_inquiry("王某某委员：" + "问" * 200_000)


@pytest.mark.parametrize(
    ("label", "role", "name", "post", "unit"),
    [
        ("王某某委员", Role.ASKER, "王某某", "委员", None),
        ("区人大代表李某", Role.ASKER, "李某", "区人大代表", None),
        ("市人大常委会委员谢家森", Role.ASKER, "谢家森", "市人大常委会委员", None),
        ("区教育局局长张某某", Role.ANSWERER, "张某某", "区教育局局长", "区教育局"),
        ("市食药委主任王建军", Role.ANSWERER, "王建军", "市食药委主任", "市食药委"),
        ("市卫生健康委员会主任李四", Role.ANSWERER, "李四", "市卫生健康委员会主任", "市卫生健康委员会"),
        ("副区长张洪祥", Role.ANSWERER, "张洪祥", "副区长", None),
        ("区委常委、副区长张某", Role.ANSWERER, "张某", "区委常委、副区长", None),
        ("工业和信息化部部长 金壮龙", Role.ANSWERER, "金壮龙", "工业和信息化部部长", "工业和信息化部"),
        ("张某某（区教育局局长）", Role.ANSWERER, "张某某", "区教育局局长", "区教育局"),
        ("中央机构编制委员会办公室负责人", Role.ANSWERER, None, "中央机构编制委员会办公室负责人",
         "中央机构编制委员会办公室"),
        ("王建军局长", Role.ANSWERER, "王建军", "局长", None),
        ("区人大常委会主任刘某", Role.HOST, "刘某", "区人大常委会主任", None),
        ("主持人", Role.HOST, None, "主持人", None),
        ("中央广播电视总台记者", Role.REPORTER, None, None, None),
    ],
)
def test_speaker_labels(label, role, name, post, unit):
    s = parse_speaker(label)
    assert (s.role, s.name, s.post, s.unit) == (role, name, post, unit)


def test_word_copy_pairs_the_same():
    clean = summary(split_inquiry(LABELLED))
    assert summary(split_inquiry(word_copy(LABELLED))) == clean


def test_fifty_pages_pair_in_linear_time():
    """50 公文 pages of inquiry transcript pair in time that grows with the text, not faster."""
    small = "\n".join([LABELLED] * 28)
    assert len("\n".join([small] * 4)) >= 50 * 22 * 28
    assert len(split_inquiry("\n".join([small] * 4))) == 3 * 28 * 4
    growth = cpu_growth(split_inquiry, small)
    assert growth < 8, growth
