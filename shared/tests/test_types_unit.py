import pytest
from pydantic import BaseModel, ValidationError

from fc_shared.money import Fen, PositiveFen


class M(BaseModel):
    amount_fen: Fen
    positive_fen: PositiveFen = 1


@pytest.mark.parametrize("value, expected", [(0, 0), (1500, 1500), (7.0, 7), (10**15, 10**15)])
def test_integral_amounts_are_taken(value, expected):
    assert M(amount_fen=value).amount_fen == expected


@pytest.mark.parametrize("value", [1.5, "100", True, -1, 10**15 + 1, None])
def test_non_integer_negative_or_huge_amounts_are_refused(value):
    with pytest.raises(ValidationError):
        M(amount_fen=value)


def test_positive_refuses_zero():
    with pytest.raises(ValidationError):
        M(amount_fen=0, positive_fen=0)


def test_schema_says_integer():
    schema = M.model_json_schema()["properties"]["amount_fen"]
    assert schema["type"] == "integer" and schema["minimum"] == 0


def test_iso_dates_only():
    from datetime import date

    from fc_shared.params import IsoDate

    class D(BaseModel):
        on: IsoDate

    assert D(on="2024-02-29").on == date(2024, 2, 29)
    assert D(on=date(2024, 1, 1)).on == date(2024, 1, 1)
    for bad in ("1.36e-135", 1700000000, "2024-2-29", True, "2024-02-30"):
        with pytest.raises(ValidationError):
            D(on=bad)


# --- request bodies read JSON as the schema states it (fc_shared.strict) ----------------------

from datetime import date, datetime  # noqa: E402

from fc_shared.params import ProgrammeDate, ProgrammeMonth  # noqa: E402
from fc_shared.strict import InputModel, IsoDateTime  # noqa: E402


class Loc(InputModel):
    lat: float
    lon: float


class Body(InputModel):
    since: IsoDateTime | None = None
    on: date | None = None
    area: float | None = None
    count: int | None = None
    flag: bool | None = None
    shares: list[float] = []
    by_year: dict[str, float] = {}
    location: Loc | None = None
    day: ProgrammeDate | None = None
    month: ProgrammeMonth | None = None


@pytest.mark.parametrize("field, value", [
    ("area", True), ("area", False), ("count", True), ("shares", [0.1, False]), ("by_year", {"2024": True}),
    ("since", 0), ("since", 0.5), ("since", "0.5"), ("since", "1700000000"), ("since", "2026-05-01T08:00:00"),
    ("on", 0), ("on", 20240101), ("area", float("nan")), ("area", float("inf")),
    ("day", "0234-07-31"), ("day", "2101-01-01"), ("month", "0000-01"), ("month", "2026-13"),
])
def test_json_types_the_schema_does_not_allow_are_refused(field, value):
    with pytest.raises(ValidationError) as info:
        Body(**{field: value})
    assert info.value.errors()[0]["type"] != "value_error" or field in ("day",)


def test_a_boolean_inside_a_nested_model_is_refused():
    with pytest.raises(ValidationError) as info:
        Body(location={"lat": 0.0, "lon": False})
    assert info.value.errors()[0]["loc"] == ("location", "lon")


def test_what_the_schema_allows_is_taken():
    body = Body(since="2026-05-01T08:00:00+08:00", on="2026-05-01", area=3, count=2, flag=False, shares=[0, 0.5],
                by_year={"2024": 1}, location={"lat": 30.2, "lon": 120}, day="2100-12-31", month="2026-05")
    assert body.since == datetime.fromisoformat("2026-05-01T08:00:00+08:00") and body.on == date(2026, 5, 1)
    assert body.area == 3.0 and body.flag is False and body.day == date(2100, 12, 31)


def test_the_schema_states_the_programme_calendar():
    schema = Body.model_json_schema()
    day = next(s for s in schema["properties"]["day"]["anyOf"] if s.get("type") == "string")
    month = next(s for s in schema["properties"]["month"]["anyOf"] if s.get("type") == "string")
    assert day["pattern"].startswith("^(20[0-9]{2}|2100)") and day["format"] == "date"
    assert month["pattern"].startswith("^(20[0-9]{2}|2100)")


# Every character some engine calls white space: Rust regex (the validator), ECMAScript (OpenAPI readers),
# Python's str.isspace (domain code). NON_BLANK must call each of them blank, and nothing else.
_SPACES = sorted({chr(c) for c in range(0x3001) if chr(c).isspace()} | {"\ufeff"})


@pytest.mark.parametrize("space", _SPACES, ids=lambda c: f"U+{ord(c):04X}")
def test_non_blank_calls_every_engines_white_space_blank(space):
    import re

    from pydantic import Field, TypeAdapter
    from typing import Annotated

    from fc_shared.strict import NON_BLANK, is_blank

    text = TypeAdapter(Annotated[str, Field(pattern=NON_BLANK)])
    assert is_blank(space * 3) and re.search(NON_BLANK, space) is None
    with pytest.raises(ValidationError):
        text.validate_python(space * 3)
    assert text.validate_python(space + "样" + space) and not is_blank("x" + space)


def test_non_blank_takes_control_and_other_visible_characters():
    from fc_shared.strict import is_blank

    assert not is_blank("\x02") and not is_blank("\u200b") and is_blank(None) and is_blank("")
