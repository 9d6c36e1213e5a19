import json

import pytest

from fc_shared.events import EVENT_TYPES, TOPIC_REGISTRY, Event, dead_letter_topic, topic_for


def test_envelope_is_cloudevents_structured_json():
    event = Event(type="fc.project.created", source="/registry", subject="p1", data={"project_id": "p1"})
    body = json.loads(event.to_json())
    assert body["specversion"] == "1.0"
    assert body["datacontenttype"] == "application/json"
    assert {"id", "source", "type", "time", "subject", "data"} <= body.keys()
    assert body["time"].endswith("Z")


def test_round_trip_keeps_id_and_data():
    event = Event(type="fc.project.approved", source="/registry", subject="p1", data={"task_year": 2026})
    again = Event.from_json(event.to_json())
    assert (again.id, again.type, again.subject, again.data) == (event.id, event.type, "p1", {"task_year": 2026})


def test_the_text_is_the_envelope_with_its_data_as_json_values():
    """to_json serialises once; the text is what the JSON-valued envelope (to_dict) serialises to."""
    from datetime import UTC, date, datetime
    from uuid import UUID

    from fc_shared.events import dumps

    data = {"z_last": 1, "due_on": date(2026, 12, 31), "at": datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
            "ids": {"b", "a"}, "nested": {"y": [date(2026, 1, 2), None], "x": UUID(int=7)}, "名称": "未来社区",
            "fen": 123456789012, "ratio": 0.5}
    event = Event(type="fc.project.created", source="/registry", subject="p1", data=data)
    assert event.to_json() == dumps(event.to_dict())
    body = json.loads(event.to_json())
    assert body["data"]["due_on"] == "2026-12-31" and body["data"]["at"] == "2026-12-07T08:00:00Z"
    assert body["data"]["ids"] == ["a", "b"] and list(body["data"]) == sorted(data)


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"specversion": "0.3"}', b'{"specversion": "1.0", "id": "x"}',
                                 b'{"specversion":"1.0","id":"1","source":"/r","type":"t","data":[1]}'])
def test_malformed_envelopes_are_rejected(raw):
    with pytest.raises(ValueError):
        Event.from_json(raw)


def test_every_type_routes_to_its_source_topic():
    assert topic_for("fc.project.created") == TOPIC_REGISTRY
    assert dead_letter_topic(TOPIC_REGISTRY) == "fc.registry.v1.dlt"
    assert {topic_for(t) for t in EVENT_TYPES} == {"fc.registry.v1", "fc.funding.v1", "fc.inspection.v1", "fc.notify.v1"}
    with pytest.raises(ValueError):
        topic_for("fc.nope")
