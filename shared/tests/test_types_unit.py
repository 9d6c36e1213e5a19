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
