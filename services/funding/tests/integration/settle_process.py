"""One funding process for the F3 race test: waits for the start signal, then handles one event through
funding's own consumer path (inbox + handler + retries) on the given database. Not a test module."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from fc_devtools.testing import app_client, platform_settings
from fc_funding.main import build_app
from fc_funding.settings import FundingSettings
from fc_shared.events import Event


async def main(db_url: str, bootstrap: str, event_file: str, ready_file: str, go_file: str) -> None:
    app = build_app(FundingSettings(database_url=db_url,
                                    platform=platform_settings(bootstrap, run_workers=False)))
    event = Event.from_json(Path(event_file).read_text())
    async with app_client(app):
        async with app.state.runtime.sessions() as s:  # connections warm before the start signal
            from sqlalchemy import text
            await s.execute(text("SELECT 1"))
        Path(ready_file).touch()
        deadline = time.monotonic() + 60
        while not Path(go_file).exists():
            if time.monotonic() > deadline:
                raise SystemExit("no start signal")
            await asyncio.sleep(0.001)
        print(await app.state.runtime.consumer.handle(event), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
