"""§3 nine-scenario catalogue validation and the evaluation gap report (pure rules)."""
from dataclasses import replace

from fc_inspection.domain.catalogue import SCENARIOS, catalogue_problems
from fc_inspection.domain.evaluation import Answer, assess, unknown_codes
from fc_inspection.service_layer.catalogue import default_catalogue


def test_the_shipped_catalogue_is_valid_and_complete():
    cat = default_catalogue()
    assert cat.version == 1
    assert catalogue_problems(list(cat.orientations), list(cat.indicators)) == []
    assert {o.title_zh for o in cat.orientations} == {"人本化", "生态化", "数字化"}
    for scenario in SCENARIOS:
        assert len([i for i in cat.indicators if i.scenario == scenario]) >= 3
    assert cat.by_code()["NB-01"].title_zh and cat.by_code()["NB-01"].kind == "standard"


def test_validation_names_each_fault():
    cat = default_catalogue()
    inds = list(cat.indicators)
    bad = [replace(inds[0], code="nb1"), replace(inds[1], code=inds[5].code), replace(inds[3], kind="maybe"),
           *[i for i in inds[4:] if i.scenario != "health"]]
    problems = catalogue_problems(list(cat.orientations), bad)
    assert any("nb1" in p for p in problems)
    assert any("appears twice" in p for p in problems)
    assert any("kind must be" in p for p in problems)
    assert any("health needs at least 3" in p for p in problems)


def test_every_scenario_needs_a_standard_indicator_and_orientations_cover_nine():
    cat = default_catalogue()
    only_optional = [replace(i, kind="optional") if i.scenario == "transport" else i for i in cat.indicators]
    assert any("transport needs at least one standard" in p
               for p in catalogue_problems(list(cat.orientations), only_optional))
    short = [replace(cat.orientations[0], scenarios=cat.orientations[0].scenarios[:2]), *cat.orientations[1:]]
    assert any("nine scenarios" in p for p in catalogue_problems(short, list(cat.indicators)))


def test_gap_report_lists_unmet_and_unanswered_standard_indicators():
    cat = default_catalogue()
    standard = cat.standard_codes()
    answers = {c: Answer(met=True, evidence="现场核查") for c in standard[2:]}
    answers[standard[0]] = Answer(met=False, evidence="未建成")
    result = assess(cat, answers)
    assert [g.code for g in result.gaps] == standard[:2]
    assert result.standard_met == len(standard) - 2 and result.standard_total == len(standard)
    assert not result.all_standard_met
    assert assess(cat, {c: Answer(True, "ok") for c in standard}).all_standard_met


def test_optional_indicators_do_not_block():
    cat = default_catalogue()
    answers = {c: Answer(True, "ok") for c in cat.standard_codes()}
    answers.update({i.code: Answer(False, "") for i in cat.indicators if i.kind == "optional"})
    assert assess(cat, answers).all_standard_met


def test_unknown_codes_are_reported():
    assert unknown_codes(default_catalogue(), {"ZZ-99": Answer(True, ""), "NB-01": Answer(True, "")}) == ["ZZ-99"]
