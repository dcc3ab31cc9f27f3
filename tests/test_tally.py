"""满意度测评 rule engine: grades, edges at exactly half, quorum, rule storage."""

import dataclasses
import json
from fractions import Fraction

import pytest

from tracker.tally import (
    DEFAULT_RULE_KEY,
    PRESETS,
    Consequence,
    Decision,
    Denominator,
    Grade,
    Outcome,
    Tally,
    decide,
    describe_rule,
    rule_from_dict,
    rule_to_dict,
    should_escalate,
)

ZHENHAI = PRESETS["zhenhai"]
SHIQUAN = PRESETS["shiquan"]
ANHUI = PRESETS["anhui2013"]


def with_(rule, **changes):
    return dataclasses.replace(rule, **changes)


def vote(total, present, satisfied, basic, unsatisfied, invalid=0, rule=ZHENHAI):
    return decide(Tally(total, present, satisfied, basic, unsatisfied, invalid), rule)


# --- presets on realistic figures: 33 members, 29 present ----------------------

MATRIX = [
    # rule, (satisfied, basic, unsatisfied, invalid), grade, consequence, months, next meeting
    ("zhenhai", (20, 6, 2, 1), Grade.SATISFIED, Consequence.CLOSE, None, False),
    ("zhenhai", (15, 10, 3, 1), Grade.BASIC, Consequence.CLOSE, None, False),
    ("zhenhai", (10, 5, 13, 1), Grade.UNSATISFIED, Consequence.REDO, 2, False),
    ("shiquan", (20, 6, 2, 1), Grade.SATISFIED, Consequence.CLOSE, None, False),
    ("shiquan", (15, 10, 3, 1), Grade.BASIC, Consequence.REDO, 2, False),
    ("shiquan", (10, 5, 13, 1), Grade.UNSATISFIED, Consequence.REDO, 2, False),
    # 安徽 counts against the 29 present (half = 14.5), so the same votes grade higher.
    ("anhui2013", (20, 6, 2, 1), Grade.SATISFIED, Consequence.CLOSE, None, False),
    ("anhui2013", (15, 10, 3, 1), Grade.SATISFIED, Consequence.CLOSE, None, False),
    ("anhui2013", (10, 5, 13, 1), Grade.BASIC, Consequence.CONTINUE, 3, False),
    ("anhui2013", (5, 5, 18, 1), Grade.UNSATISFIED, Consequence.REDO, None, True),
]


@pytest.mark.parametrize(("key", "votes", "grade", "consequence", "months", "meeting"), MATRIX)
def test_preset_matrix(key, votes, grade, consequence, months, meeting):
    decision = vote(33, 29, *votes, rule=PRESETS[key])
    assert decision.grade is grade
    assert decision.outcome == Outcome(consequence, months, meeting)
    assert decision.quorum_met
    assert decision.reason.endswith(f"结果为{grade.label}")


def test_presets_and_default():
    assert set(PRESETS) == {"zhenhai", "shiquan", "anhui2013"}
    assert DEFAULT_RULE_KEY == "zhenhai"
    assert ZHENHAI.denominator is Denominator.ALL_MEMBERS
    assert ANHUI.denominator is Denominator.PRESENT
    assert ZHENHAI.at_threshold_passes
    assert "含半数" in ZHENHAI.description


def test_reason_states_the_numbers():
    assert vote(33, 29, 17, 6, 5).reason == "满意票 17 ≥ 全体组成人员 33 的半数（16.5），结果为满意"
    assert vote(33, 29, 15, 10, 3, 1).reason == (
        "满意票 15 < 全体组成人员 33 的半数（16.5）；"
        "满意与基本满意票合计 25 ≥ 全体组成人员 33 的半数（16.5），结果为基本满意"
    )
    assert vote(33, 29, 10, 5, 13, 1).denominator_value == 33
    assert vote(33, 29, 10, 5, 13, 1, rule=ANHUI).denominator_value == 29


# --- exactly half -------------------------------------------------------------


def test_satisfied_exactly_half_of_even_membership_is_satisfied():
    decision = vote(32, 30, 16, 0, 14)
    assert decision.grade is Grade.SATISFIED
    assert "满意票 16 ≥ 全体组成人员 32 的半数（16）" in decision.reason


def test_sixteen_of_thirty_three_is_not_half():
    assert vote(33, 30, 16, 0, 14).grade is Grade.UNSATISFIED
    assert vote(33, 30, 16, 1, 13).grade is Grade.BASIC


def test_sum_exactly_half_is_basic_not_unsatisfied():
    # The published 镇海 text makes this case both 基本满意 and 不满意; we chose 基本满意.
    assert vote(32, 30, 10, 6, 14).grade is Grade.BASIC


def test_exclusive_threshold_flips_both_edges():
    strict = with_(ZHENHAI, at_threshold_passes=False)
    decision = vote(32, 30, 16, 0, 14, rule=strict)
    assert decision.grade is Grade.UNSATISFIED
    assert "满意票 16 ≤ 全体组成人员 32 的半数（16）" in decision.reason
    assert vote(32, 30, 10, 6, 14, rule=strict).grade is Grade.UNSATISFIED
    assert vote(32, 30, 10, 7, 13, rule=strict).grade is Grade.BASIC
    assert vote(32, 30, 17, 0, 13, rule=strict).grade is Grade.SATISFIED


def test_threshold_uses_exact_fractions():
    # As floats 9/14 * 42 is 27.000000000000004, which would fail 27 votes.
    rule = with_(ZHENHAI, satisfied_share=Fraction(9, 14))
    assert vote(42, 40, 27, 0, 13, rule=rule).grade is Grade.SATISFIED
    assert vote(42, 40, 26, 0, 14, rule=rule).grade is Grade.BASIC


def test_non_terminating_threshold_is_shown_rounded():
    rule = with_(ANHUI, satisfied_share=Fraction(2, 3))
    assert "实到人数 29 的2/3（约19.33）" in vote(33, 29, 20, 5, 4, rule=rule).reason


# --- quorum -------------------------------------------------------------------


def test_no_quorum_voids_the_vote():
    decision = vote(33, 16, 16, 0, 0)
    assert decision.grade is None and decision.outcome is None
    assert not decision.quorum_met
    assert decision.reason == "实到 16 人，未超过全体组成人员 33 人的半数，不足法定人数，测评无效"


@pytest.mark.parametrize(("total", "present", "met"), [(33, 17, True), (33, 16, False),
                                                        (32, 16, False), (32, 17, True)])
def test_quorum_is_more_than_half(total, present, met):
    decision = vote(total, present, present, 0, 0)
    assert decision.quorum_met is met
    assert (decision.grade is not None) is met


def test_quorum_can_be_waived_but_is_still_reported():
    decision = vote(33, 16, 16, 0, 0, rule=with_(ZHENHAI, require_quorum=False))
    assert decision.grade is Grade.UNSATISFIED
    assert not decision.quorum_met


# --- invalid ballots and empty votes ------------------------------------------


def test_invalid_ballots_only_move_the_valid_denominator():
    by_valid = with_(ZHENHAI, denominator=Denominator.VALID)
    # 14 of 28 valid reaches half; with the 29th ballot valid it does not.
    assert vote(33, 29, 14, 5, 9, 1, rule=by_valid).grade is Grade.SATISFIED
    assert vote(33, 29, 14, 5, 10, 0, rule=by_valid).grade is Grade.BASIC
    assert vote(33, 29, 14, 5, 9, 1, rule=by_valid).denominator_value == 28
    # Under 实到 the invalid ballot still counts in the base of 29.
    assert vote(33, 29, 14, 5, 9, 1, rule=ANHUI).grade is Grade.BASIC


def test_nobody_voting_fails_against_all_members():
    decision = vote(33, 20, 0, 0, 0)
    assert decision.grade is Grade.UNSATISFIED
    assert decision.outcome.consequence is Consequence.REDO


@pytest.mark.parametrize("invalid", [0, 20])
def test_no_valid_ballots_gives_no_result_under_valid_denominator(invalid):
    decision = vote(33, 20, 0, 0, 0, invalid, rule=with_(ZHENHAI, denominator=Denominator.VALID))
    assert decision.grade is None and decision.outcome is None
    assert decision.quorum_met
    assert "有效票为 0" in decision.reason


def test_nobody_present_without_quorum_rule_gives_no_result():
    rule = with_(ANHUI, require_quorum=False)
    assert vote(33, 0, 0, 0, 0, rule=rule).grade is None


# --- tally validation ---------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    ((33, 29, 20, 6, 3, 2), "有效票与无效票合计（31）超过实到人数（29）"),
    ((33, 34, 20, 6, 2, 1), "实到人数（34）超过全体组成人员数（33）"),
    ((33, 29, -1, 6, 2, 1), "满意票不能小于 0（-1）"),
    ((33, 29, 20, True, 2, 1), "基本满意票必须是整数"),
    ((33, 29, 20.0, 6, 2, 1), "满意票必须是整数"),
    ((0, 0, 0, 0, 0, 0), "全体组成人员数必须大于 0"),
])
def test_tally_rejects_impossible_counts(args, message):
    with pytest.raises(ValueError, match=message.replace("（", r"\（").replace("）", r"\）")):
        Tally(*args)


# --- escalation and decisions -------------------------------------------------


def test_escalation_after_failed_rounds():
    assert not should_escalate(SHIQUAN, 1)
    assert should_escalate(SHIQUAN, 2)
    assert not should_escalate(with_(SHIQUAN, escalate_after_failed_rounds=None), 9)


def test_decision_closes_or_fails():
    assert vote(33, 29, 15, 10, 3, rule=ZHENHAI).closes
    assert vote(33, 29, 15, 10, 3, rule=SHIQUAN).failed
    void = vote(33, 10, 10, 0, 0)
    assert isinstance(void, Decision) and not void.closes and not void.failed


# --- rules as data ------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_rule_dict_round_trip_through_json(key):
    data = json.loads(json.dumps(rule_to_dict(PRESETS[key]), ensure_ascii=False))
    assert data["satisfied_share"] == "1/2"
    assert rule_from_dict(data) == PRESETS[key]


def test_round_trip_keeps_non_default_settings():
    rule = with_(ZHENHAI, key="custom", satisfied_share=Fraction(2, 3),
                 denominator=Denominator.VALID, at_threshold_passes=False,
                 escalate_after_failed_rounds=None)
    assert rule_from_dict(json.loads(json.dumps(rule_to_dict(rule)))) == rule


def test_presets_cannot_be_mutated():
    with pytest.raises(TypeError):
        ZHENHAI.outcomes[Grade.SATISFIED] = Outcome(Consequence.REDO, months=1)


def _broken(**changes):
    data = rule_to_dict(ZHENHAI)
    data.update(changes)
    return data


@pytest.mark.parametrize(("data", "message"), [
    (_broken(satisfied_share="3/2"), "满意比例须大于 0 且不超过 1"),
    (_broken(pass_share="0"), "基本满意比例须大于 0 且不超过 1"),
    (_broken(pass_share="1/0"), "基本满意比例不是有效的分数"),
    (_broken(pass_share="一半"), "基本满意比例不是有效的分数"),
    (_broken(satisfied_share=0.5), "须写成分数字符串"),
    (_broken(denominator="half_of_everyone"), "未知的计票基数"),
    (_broken(at_threshold_passes="true"), "是否含本数"),
    (_broken(escalate_after_failed_rounds=0), "提请挂牌督办的轮次不能小于 1"),
    (_broken(key="镇海"), "规则代码"),
    (_broken(name=" "), "规则名称不能为空"),
    (_broken(colour="red"), "未知字段：colour"),
    ({k: v for k, v in rule_to_dict(ZHENHAI).items() if k != "outcomes"}, "缺少字段：outcomes"),
    (_broken(outcomes={"satisfied": {"consequence": "close"}}), "三个结果分别设定后果"),
    (_broken(outcomes={**rule_to_dict(ZHENHAI)["outcomes"], "excellent": {"consequence": "close"}}),
     "未知的测评结果"),
    (_broken(outcomes={**rule_to_dict(ZHENHAI)["outcomes"],
                       "satisfied": {"consequence": "redo", "months": 1}}), "满意的后果必须是办结"),
    (_broken(outcomes={**rule_to_dict(ZHENHAI)["outcomes"],
                       "basic": {"consequence": "close", "months": 2}}), "不应再设整改期限"),
    (_broken(outcomes={**rule_to_dict(ZHENHAI)["outcomes"],
                       "unsatisfied": {"consequence": "redo"}}), "须设定整改期限"),
    (_broken(outcomes={**rule_to_dict(ZHENHAI)["outcomes"],
                       "unsatisfied": {"consequence": "punish", "months": 1}}), "未知的不满意的后果"),
])
def test_rule_from_dict_rejects_bad_settings(data, message):
    with pytest.raises(ValueError, match=message):
        rule_from_dict(data)


# --- display ------------------------------------------------------------------


def test_describe_rule_zhenhai():
    lines = describe_rule(ZHENHAI)
    assert lines[0] == "计票基数：全体组成人员"
    assert "满意：满意票达到基数的1/2（含本数）" in lines
    assert "基本满意：未达满意，但满意与基本满意票合计达到基数的1/2（含本数）" in lines
    assert "不满意的后果：重新整改，期限2个月" in lines
    assert "基本满意的后果：办结/销号" in lines
    assert any("2 轮" in line and "主任会议" in line for line in lines)


def test_describe_rule_reflects_settings():
    lines = describe_rule(with_(ANHUI, at_threshold_passes=False, require_quorum=False,
                                escalate_after_failed_rounds=None))
    assert lines[0] == "计票基数：实到人数"
    assert "满意：满意票超过基数的1/2（不含本数）" in lines
    assert "法定人数：不要求" in lines
    assert "不满意的后果：重新整改，在下次常委会会议上重新报告" in lines
    assert "挂牌督办：不自动提请" in lines
