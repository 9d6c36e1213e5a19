"""The request bodies the console builds (services/console/web/src/lib/bodies.contract.json, whose `values → body`
Vitest checks against the console's builders) are valid for the services' own request models."""
import json
from pathlib import Path

import pytest

from fc_funding.entrypoints import schemas as funding
from fc_inspection.entrypoints import schemas as inspection

BODIES = json.loads((Path(__file__).resolve().parents[1] / "web" / "src" / "lib" / "bodies.contract.json")
                    .read_text(encoding="utf-8"))["bodies"]
MODELS = {"funding": funding, "inspection": inspection}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_service_accepts_the_body(name):
    service, model = name.split(" ")[0].split(".")
    parsed = getattr(MODELS[service], model).model_validate_json(json.dumps(BODIES[name]["body"]))
    assert parsed.model_dump(mode="json", exclude_unset=True) == BODIES[name]["body"]


def test_every_amount_is_integer_fen():
    for name, case in BODIES.items():
        for key, value in case["body"].items():
            if key.endswith("_fen"):
                assert isinstance(value, int), (name, key)
