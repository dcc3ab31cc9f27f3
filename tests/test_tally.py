"""满意度测评 rule engine: presets read as their texts at every boundary, clauses, rules as data."""

import json
from fractions import Fraction

import pytest

from tracker.tally import (
    DEFAULT_RULE_KEY,
    PRESETS,
    Consequence,
    Grade,
    Outcome,
    RuleErrors,
    Tally,
    decide,
    describe_rule,
    rule_from_dict,
    rule_to_dict,
    should_escalate,
    upgrade_legacy_rule,
)
from tracker.tally.presets import ANHUI2013, SHIQUAN, ZHENHAI

S, B, U = Grade.SATISFIED, Grade.BASIC, Grade.UNSATISFIED


def vote(total, present, satisfied, basic, unsatisfied, invalid=0, rule="zhenhai"):
    return decide(Tally(total, present, satisfied, basic, unsatisfied, invalid), PRESETS[rule])


def custom(**changes):
    return rule_from_dict({**ZHENHAI, "key": "custom", **changes})


# --- every boundary of every preset: half, half ± 1, odd and even totals -------------
# (rule, members_total, present, satisfied, basic, unsatisfied, expected grade)
BOUNDARIES = [
    # 镇海区: 满意 "达到…半数以上" (exactly half is 满意) ...
    ("zhenhai", 32, 32, 16, 0, 16, S),
    ("zhenhai", 32, 32, 15, 0, 17, U),
    ("zhenhai", 32, 32, 17, 0, 15, S),
    ("zhenhai", 33, 33, 16, 0, 17, U),  # half of 33 is 16.5
    ("zhenhai", 33, 33, 17, 0, 16, S),
    # ... but 满意+基本满意 "不足半数的（含半数）" is 不满意: exactly half is NOT 基本满意.
    ("zhenhai", 32, 32, 10, 6, 16, U),
    ("zhenhai", 32, 32, 10, 7, 15, B),
    ("zhenhai", 32, 32, 10, 5, 17, U),
    ("zhenhai", 33, 33, 10, 6, 17, U),
    ("zhenhai", 33, 33, 10, 7, 16, B),
    ("zhenhai", 33, 33, 16, 1, 16, B),
    # 石泉县: two grades, strictly more than half ("超过…过半数", "不过半的为不满意").
    ("shiquan", 32, 32, 16, 0, 16, U),
    ("shiquan", 32, 32, 17, 0, 15, S),
    ("shiquan", 32, 32, 15, 17, 0, U),  # 基本满意 votes do not help in a two-grade rule
    ("shiquan", 33, 33, 16, 0, 17, U),
    ("shiquan", 33, 33, 17, 0, 16, S),
    # 安徽 2013 draft: half of those present, 以上 includes the number.
    ("anhui2013", 33, 30, 15, 0, 15, S),
    ("anhui2013", 33, 30, 14, 0, 16, U),
    ("anhui2013", 33, 30, 16, 0, 14, S),
    ("anhui2013", 33, 30, 14, 1, 15, B),
    ("anhui2013", 33, 30, 14, 0, 16, U),
    ("anhui2013", 33, 29, 14, 0, 15, U),  # half of 29 is 14.5
    ("anhui2013", 33, 29, 15, 0, 14, S),
    ("anhui2013", 33, 29, 14, 1, 14, B),
    ("anhui2013", 33, 29, 13, 1, 15, U),
]


@pytest.mark.parametrize(("key", "total", "present", "sat", "basic", "unsat", "grade"), BOUNDARIES)
def test_every_preset_boundary(key, total, present, sat, basic, unsat, grade):
    assert vote(total, present, sat, basic, unsat, rule=key).grade is grade


def test_every_preset_has_its_boundaries_tested_and_source_text():
    assert {row[0] for row in BOUNDARIES} == set(PRESETS)
    for rule in PRESETS.values():
        assert rule.source and all(c.text for c in rule.clauses) and rule.default_text


@pytest.mark.parametrize(("total", "present", "met"), [(33, 17, True), (33, 16, False), (32, 16, False),
                                                        (32, 17, True)])
def test_quorum_is_more_than_half_by_default(total, present, met):
    decision = vote(total, present, present, 0, 0)
    assert decision.quorum_met is met and (decision.grade is not None) is met


def test_quorum_operator_and_share_are_settings():
    at_least_half = custom(quorum={"op": "at_least", "share": "1/2"})
    assert decide(Tally(32, 16, 16, 0, 0), at_least_half).grade is S
    two_thirds = custom(quorum={"op": "at_least", "share": "2/3"})
    assert decide(Tally(33, 21, 21, 0, 0), two_thirds).grade is None
    assert decide(Tally(33, 22, 22, 0, 0), two_thirds).grade is S
    assert decide(Tally(33, 10, 10, 0, 0), custom(quorum=None)).grade is U


# --- the wording: real numbers and the deciding clause -------------------------------


def test_reason_shows_the_arithmetic_and_the_clause():
    reason = vote(33, 30, 15, 1, 14).reason
    assert reason.startswith("满意15，未达到全体组成人员33人的半数（16.5）；"
                             "满意15+基本满意1=16，未超过全体组成人员33人的半数（16.5），结果为不满意。")
    assert reason.endswith("依据：镇海区（2022）“满意票加基本满意票不足半数的（含半数），为测评不满意”")
    assert "满意15+基本满意3=18，超过全体组成人员33人的半数（16.5），结果为基本满意" in vote(33, 30, 15, 3, 12).reason
    assert vote(33, 16, 16, 0, 0).reason == "实到16人，未超过全体组成人员33人的半数（16.5），不足法定人数，测评无效"


def test_non_terminating_threshold_is_shown_rounded_and_compared_exactly():
    rule = custom(clauses=[{**ZHENHAI["clauses"][0], "share": "2/3"}, ZHENHAI["clauses"][1]])
    assert "全体组成人员32人的三分之二（约21.33）" in decide(Tally(32, 30, 22, 0, 8), rule).reason
    nine_fourteenths = custom(clauses=[{**ZHENHAI["clauses"][0], "share": "9/14"}, ZHENHAI["clauses"][1]])
    # As floats 9/14 * 42 is 27.000000000000004, which would fail 27 votes.
    assert decide(Tally(42, 40, 27, 0, 13), nine_fourteenths).grade is S


def test_valid_ballot_base_and_no_valid_ballots():
    by_valid = custom(clauses=[{**c, "base": "valid"} for c in ZHENHAI["clauses"]])
    assert decide(Tally(33, 29, 14, 5, 9, 1), by_valid).grade is S  # 14 of 28 valid
    assert decide(Tally(33, 29, 14, 5, 10, 0), by_valid).grade is B
    void = decide(Tally(33, 20, 0, 0, 0, 20), by_valid)
    assert void.grade is None and "有效票为0" in void.reason


def test_override_changes_the_consequence_not_the_grade():
    rule = custom(outcomes={**ZHENHAI["outcomes"], "basic": {"consequence": "close"}}, overrides=[
        {"counts": ["unsatisfied"], "op": "at_least", "share": "1/2", "base": "all_members",
         "outcome": {"consequence": "redo", "months": 3},
         "text": "半数以上的常委会组成人员对专项工作报告不满意的，限期整改并重新报告"}])
    decision = decide(Tally(32, 32, 0, 16, 16), rule)
    assert decision.grade is U and decision.outcome == Outcome(Consequence.REDO, 3)
    decision = decide(Tally(33, 33, 0, 17, 16), rule)
    assert decision.grade is B and decision.closes  # 16 of 33 is not half
    decision = decide(Tally(32, 32, 0, 16, 16), custom(overrides=rule_to_dict(rule)["overrides"],
                                                       clauses=[ZHENHAI["clauses"][0],
                                                                {**ZHENHAI["clauses"][1], "op": "at_least"}]))
    assert decision.grade is B and decision.failed
    assert "后果为“重新整改，期限3个月”（依据：半数以上的常委会组成人员" in decision.reason


def test_outcome_deadlines_and_escalation():
    shiquan = PRESETS["shiquan"]
    assert shiquan.two_grade and shiquan.outcome(U).uses_deadline_rule
    assert PRESETS["anhui2013"].outcome(U).next_meeting
    assert not should_escalate(shiquan, 1) and should_escalate(shiquan, 2)
    assert shiquan.escalation.label == "责令作出检查，由主任会议决定"
    assert not should_escalate(custom(escalation=None), 9)
    assert DEFAULT_RULE_KEY == "zhenhai"


def test_describe_rule_reads_the_clauses():
    lines = describe_rule(PRESETS["zhenhai"])
    assert "第1条：满意票达到全体组成人员的半数（含本数）的，为满意" in lines
    assert "第2条：满意+基本满意票合计超过全体组成人员的半数（不含本数）的，为基本满意" in lines
    assert "不满意的后果：重新整改，期限2个月" in lines
    assert "测评等级：满意、不满意" in describe_rule(PRESETS["shiquan"])


# --- rules as data ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [ZHENHAI, SHIQUAN, ANHUI2013])
def test_presets_round_trip_through_json(data):
    rule = rule_from_dict(data)
    assert rule_from_dict(json.loads(json.dumps(rule_to_dict(rule), ensure_ascii=False))) == rule


def test_all_errors_at_once_named_by_json_key():
    data = {**ZHENHAI, "key": "本地", "colour": "red", "quorum": {"op": "more_than", "share": "-1/2"},
            "clauses": [{**ZHENHAI["clauses"][0], "share": 0.5}, {**ZHENHAI["clauses"][1], "base": "everyone"}],
            "outcomes": {**ZHENHAI["outcomes"], "satisfied": {"consequence": "redo", "months": 1}}}
    with pytest.raises(RuleErrors) as caught:
        rule_from_dict(data)
    errors = caught.value.errors
    paths = [e.split("：")[0] for e in errors]
    assert paths == ["colour", "key", "clauses[0].share", "clauses[1].base", "quorum.share",
                     "outcomes.satisfied.consequence"]
    assert "须写成分数字符串" in errors[2] and "须大于 0 且不超过 1" in errors[4]


@pytest.mark.parametrize(("changes", "path", "message"), [
    # A higher grade at a lower bar: the 基本满意 clause could never decide.
    ({"clauses": [{**ZHENHAI["clauses"][0], "counts": ["satisfied", "basic"], "share": "1/3"},
                  ZHENHAI["clauses"][1]]}, "clauses[1]", "永远不会起作用"),
    ({"clauses": [ZHENHAI["clauses"][1], ZHENHAI["clauses"][0]]}, "clauses[1].grade", "须从高到低"),
    ({"default_grade": "satisfied"}, "clauses[0].grade", "应高于 default_grade"),
    ({"grades": ["unsatisfied", "satisfied"]}, "grades", "须从高到低"),
    ({"grades": ["satisfied", "unsatisfied"]}, "clauses[1].grade", "不在 grades 之中"),
    ({"outcomes": {"satisfied": {"consequence": "close"}}}, "outcomes.basic", "缺少此字段"),
    ({"outcomes": {**ZHENHAI["outcomes"], "basic": {"consequence": "close", "months": 2}}}, "outcomes.basic",
     "不应再设整改期限"),
    ({"outcomes": {**ZHENHAI["outcomes"], "unsatisfied": {"consequence": "punish"}}},
     "outcomes.unsatisfied.consequence", "未知的值"),
    ({"escalation": {"after_failed_rounds": 0, "label": ""}}, "escalation.after_failed_rounds", "不小于 1"),
    ({"quorum": {"op": "half", "share": "1/2"}}, "quorum.op", "未知的值"),
    ({"name": " "}, "name", "不能为空"),
    ({"clauses": []}, "clauses", "非空列表"),
])
def test_contradictory_or_broken_rules_are_refused(changes, path, message):
    with pytest.raises(RuleErrors) as caught:
        custom(**changes)
    assert any(e.startswith(f"{path}：") and message in e for e in caught.value.errors), caught.value.errors


def test_same_counts_higher_share_for_higher_grade_is_fine():
    rule = custom(clauses=[{**ZHENHAI["clauses"][1], "grade": "satisfied", "share": "2/3"},
                           {**ZHENHAI["clauses"][1], "share": "1/2"}])
    assert decide(Tally(30, 30, 11, 10, 9), rule).grade is S  # 21 > 20
    assert decide(Tally(30, 30, 10, 6, 14), rule).grade is B


def test_legacy_snapshot_keeps_its_old_meaning():
    legacy = {"key": "zhenhai", "name": "镇海区（2022）", "description": "旧说明", "denominator": "all_members",
              "satisfied_share": "1/2", "pass_share": "1/2", "at_threshold_passes": True, "require_quorum": True,
              "outcomes": {"satisfied": {"consequence": "close", "months": None, "next_meeting": False},
                           "basic": {"consequence": "close", "months": None, "next_meeting": False},
                           "unsatisfied": {"consequence": "redo", "months": 2, "next_meeting": False}},
              "escalate_after_failed_rounds": 2}
    rule = rule_from_dict(upgrade_legacy_rule(legacy))
    # The old engine applied "at half passes" to both clauses: exactly half was 基本满意.
    assert decide(Tally(32, 30, 10, 6, 14), rule).grade is B
    assert rule.escalation.after_failed_rounds == 2 and rule.source == "旧说明"
    assert upgrade_legacy_rule(ZHENHAI) == ZHENHAI


def test_tally_rejects_impossible_counts():
    for args, message in [((33, 29, 20, 6, 3, 2), "超过实到人数"), ((33, 34, 20, 6, 2, 1), "超过全体组成人员数"),
                          ((33, 29, True, 6, 2, 1), "满意票必须是整数"), ((0, 0, 0, 0, 0, 0), "必须大于 0")]:
        with pytest.raises(ValueError, match=message):
            Tally(*args)


def test_shares_are_fractions_not_floats():
    assert custom().clauses[0].condition.share == Fraction(1, 2)
