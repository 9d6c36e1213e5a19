"""The transition body's schema states what each action needs and takes (§4.2–§4.7), as check_transition does."""
import jsonschema
import pytest

from fc_registry.domain.lifecycle import ACTIONS, TransitionRefused, check_transition
from fc_registry.entrypoints.schemas import TransitionIn

SCHEMA = TransitionIn.model_json_schema()
FULL = {"note": "理由", "on": "2026-05-01", "level": "city", "reference": "区府〔2026〕1号",
        "creation_deadline": "2027-05-01"}


def _schema_allows(body: dict) -> bool:
    return jsonschema.Draft202012Validator(SCHEMA).is_valid(body)


def _domain_allows(action: str, body: dict) -> bool:
    spec = ACTIONS[action]
    try:
        check_transition(action, spec.sources[0], spec.roles[0], body.get("note"), body.get("on"),
                         level=body.get("level"), reference=body.get("reference"),
                         creation_deadline=body.get("creation_deadline"))
    except TransitionRefused:
        return False
    return True


@pytest.mark.parametrize("action", list(ACTIONS))
def test_schema_and_rules_agree_on_every_field_given_or_left_out(action):
    for field in FULL:
        for body in ({"action": action, **{k: v for k, v in FULL.items() if k != field}},
                     {"action": action, field: FULL[field]},
                     {"action": action, field: " \u3000"} if field in ("note", "reference") else {"action": action}):
            assert _schema_allows(body) == _domain_allows(action, body), body


def test_reject_needs_a_note_and_select_takes_no_level():
    assert not _schema_allows({"action": "reject"}) and _schema_allows({"action": "reject", "note": "材料不全"})
    assert not _schema_allows({"action": "select", "level": "city"}) and _schema_allows({"action": "select"})
    assert not _schema_allows({"action": "submit", "task_year": 2026})
