"""Write docs/asyncapi.json: the platform's event contract (fc_shared.asyncapi) with every service's consumers.

``make asyncapi`` runs it; ``--check`` fails when the committed document differs from the models (a test runs it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fc_shared.asyncapi import document, to_json

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "docs" / "asyncapi.json"


def consumers() -> dict[str, list[str]]:
    """Each service's handled event types, read from its entrypoints/handlers.py."""
    from fc_funding.entrypoints.handlers import HANDLERS as funding
    from fc_inspection.entrypoints.handlers import HANDLERS as inspection
    from fc_notify.entrypoints.handlers import handlers as notify
    from fc_registry.entrypoints.handlers import HANDLERS as registry

    return {"registry": sorted(registry), "funding": sorted(funding), "inspection": sorted(inspection),
            "notify": sorted(notify(None))}  # notify's handler map does not read its settings when built


def render() -> str:
    return to_json(document(consumers()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/asyncapi.json is not up to date")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            print(f"{args.out} is out of date with fc_shared.event_models: run `make asyncapi`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
