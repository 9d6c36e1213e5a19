"""The event contract as an AsyncAPI 3.0 document, generated from the payload models (fc_shared.event_models).

Channels are the Kafka topics (``fc.registry.v1`` …), each message a CloudEvents 1.0 envelope in structured
JSON mode whose ``data`` is the type's payload schema. Operations say who sends and who receives what: each
service sends the types of its own topic and receives the types its event handlers take. Every service
serves its own view at ``/asyncapi.json``; ``make asyncapi`` writes the whole platform's to docs/asyncapi.json.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic.json_schema import models_json_schema

from .event_models import PAYLOADS
from .events import EVENT_TYPES, SOURCE_TOPICS, TOPICS, dumps

VERSION = "1.0.0"
CONTENT_TYPE = "application/cloudevents+json"
SERVICE_OF_TOPIC = {topic: service for service, topic in SOURCE_TOPICS.items()}


def _envelope() -> dict[str, Any]:
    return {
        "type": "object",
        "title": "CloudEvent",
        "description": "CloudEvents 1.0, structured JSON mode (fc_shared.events.Event). The Kafka key is `subject`.",
        "required": ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "description": "the event id (also the webhook id and the inbox key)"},
            "source": {"type": "string", "description": "the producing service, e.g. /registry"},
            "type": {"type": "string", "description": "the event type (fc_shared.events.EVENT_TYPES)"},
            "time": {"type": "string", "format": "date-time"},
            "subject": {"type": "string", "description": "the project id, or the community/street id where there "
                                                         "is no project; the Kafka key"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "data": {"type": "object"},
        },
    }


def _schemas() -> dict[str, Any]:
    models = sorted(set(PAYLOADS.values()), key=lambda m: m.__name__)
    _, top = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    schemas = top.get("$defs", {})
    schemas["CloudEvent"] = _envelope()
    return dict(sorted(schemas.items()))


def _message(event_type: str) -> dict[str, Any]:
    model = PAYLOADS[event_type]
    return {
        "name": event_type,
        "title": model.__name__,
        "summary": EVENT_TYPES[event_type][1],
        "contentType": CONTENT_TYPE,
        "payload": {"allOf": [
            {"$ref": "#/components/schemas/CloudEvent"},
            {"type": "object", "properties": {
                "type": {"type": "string", "const": event_type},
                "data": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        ]},
        "bindings": {"kafka": {"key": {"type": "string", "description": "the event's subject"},
                               "bindingVersion": "0.5.0"}},
    }


def _types_of(topic: str) -> list[str]:
    return [t for t, (service, _) in EVENT_TYPES.items() if SOURCE_TOPICS[service] == topic]


def document(consumers: Mapping[str, Iterable[str]] | None = None, *, service: str | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document. ``consumers``: service → the event types its handlers take (receive
    operations). ``service``: only that service's own operations (its served view); channels stay all topics."""
    consumers = {name: sorted(types) for name, types in (consumers or {}).items()}
    unknown = sorted({t for types in consumers.values() for t in types} - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"consumers handle event types outside the catalogue: {', '.join(unknown)}")
    channels = {
        topic: {
            "address": topic,
            "title": f"{SERVICE_OF_TOPIC[topic]} events",
            "description": f"Events published by {SERVICE_OF_TOPIC[topic]} through its outbox; a consumer that "
                           f"keeps failing on one moves it to {topic}.dlt.",
            "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in _types_of(topic)},
        }
        for topic in TOPICS
    }
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        producer = SERVICE_OF_TOPIC[topic]
        if service in (None, producer):
            operations[f"{producer}.send.{topic}"] = {
                "action": "send", "title": f"{producer} publishes",
                "channel": {"$ref": f"#/channels/{topic}"},
                "messages": [{"$ref": f"#/channels/{topic}/messages/{t}"} for t in _types_of(topic)],
            }
    for name, types in sorted(consumers.items()):
        if service not in (None, name):
            continue
        for topic in TOPICS:
            taken = [t for t in types if t in _types_of(topic)]
            if taken:
                operations[f"{name}.receive.{topic}"] = {
                    "action": "receive", "title": f"{name} consumes",
                    "channel": {"$ref": f"#/channels/{topic}"},
                    "messages": [{"$ref": f"#/channels/{topic}/messages/{t}"} for t in taken],
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Future Community platform events" + (f" — {service}" if service else ""),
            "version": VERSION,
            "description": "The events that cross service boundaries and reach webhook subscribers, generated "
                           "from fc_shared.event_models. A breaking change to a payload gets a new type suffix "
                           "(.v2). Dates are YYYY-MM-DD, money is integer fen; consumers ignore unknown fields "
                           "and dead-letter an event missing a required one. Human overview: docs/EVENTS.md.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"kafka": {"host": "kafka:9092", "protocol": "kafka",
                              "description": "the platform's Kafka (FC_KAFKA_BOOTSTRAP); a Tansu broker locally"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": {t: _message(t) for t in EVENT_TYPES}, "schemas": _schemas()},
    }


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(json.loads(dumps(doc)), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
