"""The event contract as code (issue 12): payload models, the AsyncAPI document, docs/EVENTS.md and the services'
consumers all agree, so none can drift from the others."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from fc_devtools.contract import sample
from fc_shared.event_models import PAYLOADS, InvalidPayload, Payload, ProjectSnapshot, build, model_for
from fc_shared.events import EVENT_TYPES, Event, topic_for

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI = ROOT / "tools" / "asyncapi"
EVENTS_MD = ROOT / "docs" / "EVENTS.md"


def _generator():
    spec = importlib.util.spec_from_file_location("asyncapi_generate", ASYNCAPI / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _node_validate(path: Path) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "node (Node.js 20) is needed to validate the AsyncAPI document"
    assert (ASYNCAPI / "node_modules" / "@asyncapi" / "parser").is_dir(), "run `make install` (npm ci in tools/asyncapi)"
    return subprocess.run([node, str(ASYNCAPI / "validate.mjs"), str(path)], capture_output=True, text=True,
                          timeout=120, cwd=ASYNCAPI)


# ------------------------------------------------------------------ the models

def test_every_catalogued_type_has_exactly_one_model_of_its_own():
    assert set(PAYLOADS) == set(EVENT_TYPES)
    assert len(set(PAYLOADS.values())) == len(PAYLOADS)
    for event_type, model in PAYLOADS.items():
        assert model.event_types == (event_type,)
        assert issubclass(model, ProjectSnapshot) == event_type.startswith("fc.project.")


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_a_consumer_ignores_unknown_fields_and_refuses_a_missing_required_one(event_type):
    data = sample(event_type)
    model = model_for(event_type)
    read = Payload.of(Event(type=event_type, source="/t", subject="s", data={**data, "from_a_newer_producer": 1}))
    assert isinstance(read, model) and "from_a_newer_producer" not in read.model_dump()
    required = [name for name, f in model.model_fields.items() if f.is_required()]
    assert required, f"{model.__name__} has no required field"
    for name in required:
        with pytest.raises(InvalidPayload, match=rf"{re.escape(name)}: Field required"):
            Payload.of(Event(type=event_type, source="/t", subject="s",
                             data={k: v for k, v in data.items() if k != name}))


def test_a_producer_cannot_publish_off_the_contract():
    with pytest.raises(ValueError, match="unknown event type"):
        build("fc.project.teleported", {})
    ok = sample("fc.expenditure.reported")
    with pytest.raises(InvalidPayload, match="fields not in the contract: note"):
        build("fc.expenditure.reported", {**ok, "note": "x"})
    for money in ("100", 100.0, True):
        with pytest.raises(InvalidPayload, match="amount_fen"):
            build("fc.expenditure.reported", {**ok, "amount_fen": money})
    with pytest.raises(InvalidPayload, match="category"):
        build("fc.expenditure.reported", {**ok, "category": "catering"})
    with pytest.raises(InvalidPayload, match="built as StreetCreated"):
        build("fc.community.created", model_for("fc.street.created").model_validate(sample("fc.street.created")))
    # A model instance is as good as a dict, and the wire form keeps dates as YYYY-MM-DD.
    model = model_for("fc.expenditure.reported").model_validate(ok)
    assert build("fc.expenditure.reported", model) == build("fc.expenditure.reported", ok)
    event = Event(type="fc.expenditure.reported", source="/funding", subject="p", data=build("fc.expenditure.reported", ok))
    assert json.loads(event.to_json())["data"]["reported_on"] == ok["reported_on"].isoformat()


@pytest.mark.parametrize("event_type,kind", [("fc.subsidy.disbursed", "interim"), ("fc.subsidy.recovery_due", None),
                                             ("fc.subsidy.recovery_settled", "repayment")])
def test_a_reversal_is_on_the_contract(event_type, kind):
    """Finance's correction: the type of the entry it reverses, a negative amount, reverses_entry_id and reason."""
    data = {"project_id": "p", "street_code": "S01", "entry_id": 9, "amount_fen": -700_000, "rules": ["F4"],
            "year": 2026, "reverses_entry_id": 8, "reason": "booked twice", **({"kind": kind} if kind else {})}
    if event_type == "fc.subsidy.recovery_settled":
        data |= {"reference": None, "on": None, "recovery_due_fen": 700_000}
    built = build(event_type, data)
    read = Payload.of(Event(type=event_type, source="/funding", subject="p", data=built))
    assert (read.amount_fen, read.reverses_entry_id, read.reason) == (-700_000, 8, "booked twice")


def test_a_project_event_read_as_a_snapshot_is_its_own_type():
    data = sample("fc.project.approved", project_id="p1", level="province", reference="文号-1")
    read = ProjectSnapshot.of(Event(type="fc.project.approved", source="/registry", subject="p1", data=data))
    assert type(read).__name__ == "ProjectApproved" and read.level == "province" and read.project_id == "p1"
    with pytest.raises(InvalidPayload, match="not an event type read as ProjectSnapshot"):
        ProjectSnapshot.of(Event(type="fc.street.created", source="/registry", subject="S", data={}))


# ------------------------------------------------------------------ the consumers

def test_every_consumer_handles_only_catalogued_types_on_the_topics_it_consumes():
    consumers = _generator().consumers()
    assert set(consumers) == {"registry", "funding", "inspection", "notify"}
    from fc_funding.entrypoints.handlers import CONSUMES as funding
    from fc_inspection.entrypoints.handlers import CONSUMES as inspection
    from fc_notify.entrypoints.handlers import CONSUMES as notify
    from fc_registry.entrypoints.handlers import CONSUMES as registry

    topics = {"registry": registry, "funding": funding, "inspection": inspection, "notify": notify}
    for service, types in consumers.items():
        assert types, service
        assert set(types) <= set(EVENT_TYPES), (service, sorted(set(types) - set(EVENT_TYPES)))
        assert {topic_for(t) for t in types} <= set(topics[service]), service


# ------------------------------------------------------------------ AsyncAPI

def test_the_committed_asyncapi_document_is_generated_from_the_models():
    text = (ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8")
    assert text == _generator().render(), "docs/asyncapi.json is out of date: run `make asyncapi`"


def test_the_asyncapi_document_validates_with_the_asyncapi_parser(tmp_path):
    doc = json.loads(_generator().render())
    assert doc["asyncapi"] == "3.0.0"
    assert set(doc["channels"]) == {"fc.registry.v1", "fc.funding.v1", "fc.inspection.v1", "fc.notify.v1"}
    assert set(doc["components"]["messages"]) == set(EVENT_TYPES)
    passed = doc["components"]["schemas"]["AcceptancePassed"]
    assert {"decided_on", "final_expenditure_fen", "channel"} <= set(passed["required"])
    good = tmp_path / "asyncapi.json"
    good.write_text(json.dumps(doc), encoding="utf-8")
    result = _node_validate(good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.0.0, 4 channels, 40 messages" in result.stdout
    # The check can fail: an operation on a channel that does not exist, a payload schema that is missing.
    doc["operations"]["registry.send.fc.registry.v1"]["channel"] = {"$ref": "#/channels/fc.nowhere.v1"}
    del doc["components"]["schemas"]["ProjectCreated"]
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = _node_validate(bad)
    assert result.returncode == 1 and "#/channels/fc.nowhere.v1" in result.stdout
    assert "#/components/schemas/ProjectCreated" in result.stdout


async def test_each_service_serves_its_view_of_the_contract(tmp_path):
    from fc_devtools.testing import platform_settings
    from fc_inspection.main import build_app
    from fc_inspection.settings import InspectionSettings

    app = build_app(InspectionSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'i.db'}",
                                       platform=platform_settings("127.0.0.1:1")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inspection") as client:
        r = await client.get("/asyncapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert set(doc["operations"]) == {"inspection.send.fc.inspection.v1", "inspection.receive.fc.registry.v1",
                                      "inspection.receive.fc.funding.v1"}
    received = {m["$ref"].rsplit("/", 1)[1] for m in doc["operations"]["inspection.receive.fc.funding.v1"]["messages"]}
    assert received == {"fc.expenditure.reported", "fc.capital_plan.updated"}
    served = tmp_path / "served.json"
    served.write_text(r.text, encoding="utf-8")
    result = _node_validate(served)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ docs/EVENTS.md

def _documented_rows() -> dict[str, str]:
    """event type → the text of its row in EVENTS.md's tables (a row may document several types)."""
    rows: dict[str, str] = {}
    for line in EVENTS_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2:
            continue
        names = re.findall(r"`([a-z_.]+)`", cells[0])
        if not names or not names[0].startswith("fc."):
            continue
        prefix = names[0].rsplit(".", 1)[0]
        for name in names:
            event_type = name if name.startswith("fc.") else f"{prefix}.{name}"
            assert event_type not in rows, f"{event_type} is documented twice in EVENTS.md"
            rows[event_type] = "|".join(cells[1:])
    return rows


def _fields(model) -> set[str]:
    return {name for name in model.model_fields}


def test_events_md_documents_every_type_and_every_field_of_its_model():
    rows = _documented_rows()
    assert set(rows) == set(EVENT_TYPES), f"EVENTS.md and the catalogue differ: {sorted(set(rows) ^ set(EVENT_TYPES))}"
    text = EVENTS_MD.read_text(encoding="utf-8")
    snapshot = text[text.index("**project snapshot**"):text.index("| type |")]
    missing = [f for f in _fields(ProjectSnapshot) if not re.search(rf"\b{f}\b", snapshot)]
    assert not missing, f"the snapshot paragraph of EVENTS.md lacks {missing}"
    gaps = {}
    for event_type, row in rows.items():
        model = PAYLOADS[event_type]
        own = _fields(model) - (_fields(ProjectSnapshot) if issubclass(model, ProjectSnapshot) else set())
        lacking = sorted(f for f in own if not re.search(rf"\b{f}\b", row))
        if lacking:
            gaps[event_type] = lacking
    assert not gaps, f"EVENTS.md rows lack fields of their models: {gaps}"


def _literal_values(annotation) -> set[str]:
    import typing

    if typing.get_origin(annotation) is typing.Literal:
        return {str(a) for a in typing.get_args(annotation)}
    if isinstance(annotation, type) and issubclass(annotation, Payload):
        return {v for f in annotation.model_fields.values() for v in _literal_values(f.annotation)}
    return {v for a in typing.get_args(annotation) for v in _literal_values(a)}


def _nested_fields(annotation) -> set[str]:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, Payload):
        return set(annotation.model_fields) | {n for f in annotation.model_fields.values()
                                               for n in _nested_fields(f.annotation)}
    return {n for a in typing.get_args(annotation) for n in _nested_fields(a)}


def test_events_md_names_no_field_its_model_lacks():
    """Every backticked word in a row is a field of the row's model or one of its fields' fixed values."""
    for event_type, row in _documented_rows().items():
        model = PAYLOADS[event_type]
        allowed = _nested_fields(model) | _literal_values(model) | {"null", "district_office"}  # filer's value
        named = {w.strip() for group in re.findall(r"`([^`]+)`", row) for w in group.split(",")}
        stray = sorted({w for w in named if re.fullmatch(r"[a-z_]+", w)} - allowed)
        assert not stray, f"EVENTS.md's row for {event_type} names {stray}, not fields of {model.__name__}"


async def test_the_outbox_check_finds_an_off_contract_row(tmp_path):
    """The check tests/e2e runs over every service's outbox can fail: a row off the contract is reported."""
    from sqlalchemy import insert

    from fc_devtools.contract import outbox_contract_violations
    from fc_shared.db import make_engine, new_metadata, spine_tables
    from fc_shared.uow import utcnow

    url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    metadata = new_metadata()
    spine = spine_tables(metadata)
    engine = make_engine(url)
    good = Event(type="fc.street.created", source="/registry", subject="S1", data=sample("fc.street.created"))
    bad = Event(type="fc.street.created", source="/registry", subject="S2", data={"street_code": "S2", "kind": "x"})
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(spine.outbox), [
            {"event_id": e.id, "topic": "fc.registry.v1", "key": e.subject, "type": e.type, "payload": e.to_json(),
             "created_at": utcnow()} for e in (good, bad)])
    await engine.dispose()
    counts, problems = await outbox_contract_violations(url)
    assert counts == {"fc.street.created": 2}
    assert len(problems) == 1 and "outbox row 2 (fc.street.created)" in problems[0]
    assert "name: Field required" in problems[0] and "kind: Input should be" in problems[0]


def test_the_contracts_fixed_sets_are_the_domains():
    """The Literal sets of the payload models are the producers' own domain sets, so neither can drift."""
    import typing

    from fc_funding.domain import plans, rules
    from fc_inspection.domain.acceptance import RESULT_ROLES
    from fc_registry.domain import deadlines, lifecycle, projects, summaries
    from fc_registry.entrypoints.schemas import StreetKind
    from fc_shared import event_models as m

    def values(literal):
        return set(typing.get_args(literal))

    assert values(m.ProjectState) == set(lifecycle.STATES)
    assert values(m.ProjectType) == {t.value for t in projects.ProjectType}
    assert values(m.Level) == {lv.value for lv in projects.Level} == set(rules.LEVELS)
    assert values(m.DeadlineKind) == set(deadlines.KINDS)
    assert values(m.SummaryPeriod) == set(summaries.PERIODS)
    assert values(m.StreetKind) == values(StreetKind)
    assert values(m.ResultChannel) == set(RESULT_ROLES.values())
    assert values(m.PaidKind) == set(rules.PAID_KINDS)
    assert values(m.SettlingKind) == set(rules.SETTLING_KINDS)
    assert values(m.ExpenditureCategory) == set(plans.EXPENDITURE_CATEGORIES)
    assert set(m.EXPENSE_CATEGORIES) == set(m.FinalExpenditure.model_fields)
