"""Funding killed after the payment's commit and before the offset commit pays once after the restart."""
import asyncio
import re

import httpx

from fc_devtools.testing import ServiceProcess, async_wait_until, migrate


def _duplicates(metrics_text: str) -> float:
    m = re.search(r'fc_events_handled_total\{outcome="duplicate",service="funding",type="fc.acceptance.passed"\} '
                  r'([0-9.e+]+)', metrics_text)
    return float(m.group(1)) if m else 0.0


async def test_killed_after_commit_before_offset_pays_once(db_url, platform_env, producer, kit, tmp_path):
    await asyncio.to_thread(migrate, kit.SERVICE_DIR, db_url)
    svc = ServiceProcess("funding", "fc_funding.main", {
        **platform_env, "FUNDING_DATABASE_URL": db_url,
        "FC_FAULT_CRASH": "after_handle:fc.acceptance.passed",
        "FC_FAULT_ONCE_FILE": str(tmp_path / "crashed-once")}, tmp_path)
    project = kit.new_id("crash")
    url = f"/api/v1/projects/{project}/funding"
    await asyncio.to_thread(svc.start)
    try:
        with httpx.Client(base_url=svc.url, timeout=10, headers=kit.FINANCE) as client:
            await producer.send(kit.approved(project))
            await async_wait_until(lambda: client.get(url).status_code == 200, 60, 0.2, message="projection")
            await producer.send(kit.passed(project, "city", 9_000_000))
            await async_wait_until(lambda: svc.proc.poll() is not None, 60, 0.2,
                                   message="funding killed after the handler")
            assert svc.proc.returncode == 137
            assert (tmp_path / "crashed-once").exists()

            await asyncio.to_thread(svc.start)
            # The offset was never committed: the event comes again and the inbox sees a duplicate.
            await async_wait_until(lambda: _duplicates(client.get("/metrics").text) >= 1, 60, 0.2,
                       message="the redelivered acceptance seen as a duplicate")
            f = client.get(url).json()
            assert f["paid_fen"] == 950_000_000
            assert sorted(e["kind"] for e in f["entries"]) == ["approval", "disbursement", "reward"]
    finally:
        svc.stop()
