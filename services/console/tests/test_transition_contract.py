"""The console's lifecycle forms against registry's own rules.

``services/console/web/src/features/projects/transitions.contract.json`` says, per action, what the console's form
requires and the exact body it sends (``actions.test.tsx`` fills each form in the DOM and checks both). Here every
body goes through registry's request model (TransitionIn) and lifecycle rules (check_transition, §4.2–§4.7) from
its source state, and the form's required fields must be exactly what the lifecycle needs: neither side can drift.
"""
import json
from datetime import date
from pathlib import Path

import pytest

from fc_registry.domain.lifecycle import ACTIONS, TransitionRefused, check_transition
from fc_registry.entrypoints.schemas import TransitionIn

CONTRACT = json.loads((Path(__file__).resolve().parents[1] / "web" / "src" / "features" / "projects"
                       / "transitions.contract.json").read_text(encoding="utf-8"))["actions"]


def needs(action: str) -> set[str]:
    spec = ACTIONS[action]
    return {name for name, needed in (("note", spec.needs_note), ("on", spec.needs_date), ("level", spec.needs_level),
                                      ("reference", spec.needs_reference),
                                      ("creation_deadline", spec.needs_deadline)) if needed}


def check(action: str, case: dict, body: dict) -> None:
    model = TransitionIn.model_validate({**body, "expected_version": 3})
    check_transition(model.action, case["from"], case["role"], model.note, model.on, level=model.level,
                     reference=model.reference, creation_deadline=model.creation_deadline,
                     accepted_level="city" if action == "name" else None)


def test_the_console_has_a_form_for_every_lifecycle_action():
    assert set(CONTRACT) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(CONTRACT))
def test_each_form_sends_a_body_registry_accepts_from_its_source_state(action):
    case = CONTRACT[action]
    assert case["body"]["action"] == action
    assert case["from"] in ACTIONS[action].sources and case["role"] in ACTIONS[action].roles
    check(action, case, case["body"])
    for field in ("on", "creation_deadline"):
        if field in case["body"]:
            date.fromisoformat(case["body"][field])  # YYYY-MM-DD


@pytest.mark.parametrize("action", sorted(CONTRACT))
def test_each_form_requires_exactly_what_the_lifecycle_needs(action):
    case = CONTRACT[action]
    assert set(case["required"]) == needs(action)
    for field in case["required"]:  # and leaving out any one of them is refused by registry
        body = {k: v for k, v in case["body"].items() if k != field}
        with pytest.raises(TransitionRefused) as refused:
            check(action, case, body)
        assert refused.value.status == 422
