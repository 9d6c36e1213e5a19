"""Input types that read JSON the way the OpenAPI document describes it, and nothing more.

Pydantic's lax mode reads ``false`` as 0, ``0`` as a Unix timestamp and ``"0.5"`` as a
date-time; the schema says number, string/date-time, so those are invalid input here.
``InputModel`` is the base of every request body: it refuses a boolean where the field is
no boolean and a number where the field is a date or date-time, in nested lists and
dicts too, so the rule holds everywhere without each field having to remember it.
"""
from __future__ import annotations

import math
import re
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

# RFC 3339 date-time, the only date-time JSON Schema's format "date-time" means (offset required).
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_datetime_only(value: Any) -> Any:
    if isinstance(value, (bool, int, float)):
        raise _wrong("a date-time is written as RFC 3339 text, e.g. 2026-05-01T08:00:00+08:00")
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise _wrong("a date-time is written as RFC 3339 text, e.g. 2026-05-01T08:00:00+08:00")
    return value


# "Not blank": at least one character that is no white space. Spelled out because ``\S`` differs between the
# engines that read it: the validator's (Rust regex) counts U+0085 as space and U+FEFF not, ECMAScript (what the
# OpenAPI document's readers use) the other way round, and Python's ``str.strip`` (the domain code's test for
# blank) also strips U+001C–U+001F. This class means the same everywhere: a character none of them calls space.
NON_BLANK = ("[^ \t\n\r\f\v\u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
             "\ufeff]")
_NON_BLANK = re.compile(NON_BLANK)


def is_blank(text: str | None) -> bool:
    """No character that is not white space (``NON_BLANK`` does not match): the test rules use for "given"."""
    return text is None or _NON_BLANK.search(text) is None


# A date-time with its offset, as text: never a number of seconds (also in query strings).
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime_only)]


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise _wrong("a number, not a boolean")
    return value


# A real number that is not a boolean and not NaN or infinite; give every one an upper bound.
Number = Annotated[float, BeforeValidator(_no_bool), Field(allow_inf_nan=False)]


def _bases(annotation: Any) -> tuple[set[type], list[Any]]:
    """The plain types an annotation admits, and the item annotations of the containers it admits."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _bases(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        plain: set[type] = set()
        items: list[Any] = []
        for arg in typing.get_args(annotation):
            p, i = _bases(arg)
            plain |= p
            items += i
        return plain, items
    if origin is typing.Literal:
        return {type(v) for v in typing.get_args(annotation)}, []
    if origin in (list, set, frozenset, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return {origin}, [("seq", a) for a in args]
    if origin is dict:
        args = typing.get_args(annotation)
        return {dict}, [("map", args[1])] if len(args) == 2 else []
    if isinstance(annotation, type):
        return {annotation}, []
    return {object}, []


def _wrong(message: str) -> PydanticCustomError:
    # Its own error type: a JSON type the schema does not allow, not a domain rule (value_error).
    return PydanticCustomError("json_type", message)


def check_json_types(annotation: Any, value: Any) -> None:
    """Raise a ``json_type`` validation error if ``value`` is a boolean where no boolean is allowed, or a number
    where a date or date-time is expected (recursing into lists and dicts)."""
    plain, items = _bases(annotation)
    if object in plain or any(isinstance(t, type) and issubclass(t, BaseModel) for t in plain):
        return  # Any, or a nested model that checks itself
    if isinstance(value, bool):
        if bool not in plain:
            raise _wrong("a boolean is not allowed here")
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise _wrong("a finite number (JSON has no NaN or Infinity)")
    if isinstance(value, (int, float)) and plain & {date, datetime} and not plain & {int, float}:
        raise _wrong("a date is written YYYY-MM-DD and a date-time as RFC 3339 text, never as a number")
    if isinstance(value, str) and plain & {date, datetime} and str not in plain:
        shape = _RFC3339 if datetime in plain and date not in plain else None
        if shape is not None and not shape.fullmatch(value):
            raise _wrong("a date-time is written as RFC 3339 text, e.g. 2026-05-01T08:00:00+08:00")
        if date in plain and datetime not in plain and not _ISO_DATE.fullmatch(value):
            raise _wrong("a date is written YYYY-MM-DD")
    for kind, item in items:
        if kind == "seq" and isinstance(value, (list, tuple)):
            for v in value:
                check_json_types(item, v)
        elif kind == "map" and isinstance(value, dict):
            for v in value.values():
                check_json_types(item, v)


class InputModel(BaseModel):
    """Base of request bodies: unknown fields refused, JSON types read as the schema states them."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _json_types_as_documented(cls, value: Any, info) -> Any:
        field = cls.model_fields.get(info.field_name) if info.field_name else None
        if field is not None:
            check_json_types(field.annotation, value)
        return value


__all__ = ["InputModel", "IsoDateTime", "NON_BLANK", "Number", "check_json_types", "is_blank"]
