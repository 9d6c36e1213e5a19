"""Money in APIs: an integer number of fen (分), never a float amount of yuan."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict

MAX_FEN = 10**15  # 100 亿元: far above any programme amount, far below float trouble


def _integral(value: Any) -> Any:
    # JSON Schema counts 1.0 as an integer, so an integral number is taken as that integer;
    # 1.5, "100" and booleans stay wrong and are refused by the strict int check.
    if isinstance(value, bool):
        raise ValueError("an amount is an integer number of fen, not a boolean")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Fen = Annotated[int, Field(ge=0, le=MAX_FEN), Strict(), BeforeValidator(_integral)]
PositiveFen = Annotated[int, Field(gt=0, le=MAX_FEN), Strict(), BeforeValidator(_integral)]
