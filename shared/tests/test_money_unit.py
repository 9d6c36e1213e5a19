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
