"""The default scenario catalogue shipped with the package (data/default_catalogue.json)."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any


def default_catalogue_document() -> dict[str, Any]:
    text = resources.files("fc_inspection").joinpath("data/default_catalogue.json").read_text(encoding="utf-8")
    return json.loads(text)
