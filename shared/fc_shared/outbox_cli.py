"""Republish a service's retained outbox from a point in time.

``fc-outbox republish --database-url URL --since 2026-11-26T00:00:00Z``; the running
relay picks the rows up. Consumers are idempotent, so a repeat is harmless.
"""
from __future__ import annotations

import argparse
import asyncio
from datetime import datetime

from .db import make_engine, make_sessionmaker, new_metadata, spine_tables
from .outbox import republish_since


async def _republish(url: str, since: datetime) -> int:
    engine = make_engine(url)
    try:
        return await republish_since(make_sessionmaker(engine), spine_tables(new_metadata()), since)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("republish")
    rep.add_argument("--database-url", required=True)
    rep.add_argument("--since", required=True, type=datetime.fromisoformat)
    args = parser.parse_args(argv)
    if args.since.tzinfo is None:
        parser.error("--since needs a time zone (e.g. 2026-11-26T00:00:00Z)")
    print(f"{asyncio.run(_republish(args.database_url, args.since))} rows marked for republication")


if __name__ == "__main__":
    main()
