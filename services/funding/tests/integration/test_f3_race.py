"""F3 across projects without a race: two funding processes on one PostgreSQL database settle two projects that
share a community at the same moment; only one of them earns the award for it (locks per community, in order)."""
import asyncio
import logging

import pytest

from fc_devtools.testing import app_client

M = 1_000_000 * 100


@pytest.mark.postgres
async def test_two_processes_settling_projects_that_share_a_community_pay_the_award_once(funding_app, kit, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks across processes: PostgreSQL")
    one, two = funding_app(run_workers=False), funding_app(run_workers=False)  # two runtimes, two pools
    async with app_client(one) as c1, app_client(two):
        for round_ in range(6):
            shared = f"k-{kit.new_id()}"
            # a: {x, shared}; b: {shared, y} in reversed listing order, so a naive lock order would deadlock.
            a, b = kit.new_id("ra"), kit.new_id("rb")
            await kit.handle(one, kit.approved(a, community_ids=[f"x-{a}", shared]),
                             kit.approved(b, community_ids=[f"y-{b}", shared][::-1]))
            # c shares only the shared community: it is never fully covered, so it always earns in full.
            outcomes = await asyncio.gather(one.state.runtime.consumer.handle(kit.passed(a, "city", 12_000_000)),
                                            two.state.runtime.consumer.handle(kit.passed(b, "city", 12_000_000)))
            assert outcomes == ["handled", "handled"]
            fa = (await c1.get(f"/api/v1/projects/{a}/funding", headers=kit.FINANCE)).json()
            fb = (await c1.get(f"/api/v1/projects/{b}/funding", headers=kit.FINANCE)).json()
            # Neither is covered in every community (x and y are their own), so both earn the city award, and the
            # one settled second names the shared community in its rule trail.
            assert (fa["paid_fen"], fb["paid_fen"]) == (10 * M, 10 * M), round_
            trails = sorted([fa["covered_communities"], fb["covered_communities"]], key=len)
            assert trails == [{}, {shared: "city"}], round_

            # Now a project whose only community is the shared one, settled in both processes at once with a
            # second project over the same community: it is covered at city, so nothing more at city.
            c, d = kit.new_id("rc"), kit.new_id("rd")
            await kit.handle(one, kit.approved(c, community_ids=[shared]), kit.approved(d, community_ids=[shared]))
            await asyncio.gather(one.state.runtime.consumer.handle(kit.passed(c, "city", 12_000_000)),
                                 two.state.runtime.consumer.handle(kit.passed(d, "city", 12_000_000)))
            for p in (c, d):
                f = (await c1.get(f"/api/v1/projects/{p}/funding", headers=kit.FINANCE)).json()
                assert (f["award_fen"], f["paid_fen"]) == (0, 0), round_


@pytest.mark.postgres
async def test_two_processes_race_for_the_first_award_of_a_community(funding_app, kit, db_url):
    """Two single-community projects over the same community, settled at once: exactly one earns the award."""
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks across processes: PostgreSQL")
    one, two = funding_app(run_workers=False), funding_app(run_workers=False)
    async with app_client(one) as c1, app_client(two):
        for round_ in range(8):
            shared = f"k-{kit.new_id()}"
            a, b = kit.new_id("fa"), kit.new_id("fb")
            await kit.handle(one, kit.approved(a, community_ids=[shared]), kit.approved(b, community_ids=[shared]))
            await asyncio.gather(one.state.runtime.consumer.handle(kit.passed(a, "city", 12_000_000)),
                                 two.state.runtime.consumer.handle(kit.passed(b, "city", 12_000_000)))
            paid = sorted([(await c1.get(f"/api/v1/projects/{p}/funding", headers=kit.FINANCE)).json()["paid_fen"]
                           for p in (a, b)])
            assert paid == [0, 10 * M], round_


@pytest.mark.postgres
def test_two_funding_processes_settle_at_the_same_moment_and_pay_the_community_once(funding_app, kit, db_url, broker,
                                                                                    tmp_path):
    """Two OS processes, each a funding instance on the same PostgreSQL database, released together."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from fc_devtools.testing import wait_until

    if not db_url.startswith("postgresql"):
        pytest.skip("row locks across processes: PostgreSQL")
    script = Path(__file__).with_name("settle_process.py")
    for round_ in range(3):
        shared = f"k-{kit.new_id()}"
        a, b = kit.new_id("pa"), kit.new_id("pb")

        async def prepare():
            app = funding_app(run_workers=False)
            async with app_client(app):
                await kit.handle(app, kit.approved(a, community_ids=[shared]),
                                 kit.approved(b, community_ids=[shared]))
        asyncio.run(prepare())
        go = tmp_path / f"go-{round_}"
        procs, readies = [], []
        for p in (a, b):
            ev = tmp_path / f"{p}.json"
            ev.write_text(kit.passed(p, "city", 12_000_000).to_json())
            ready = tmp_path / f"{p}.ready"
            readies.append(ready)
            procs.append(subprocess.Popen([sys.executable, str(script), db_url, broker.bootstrap, str(ev), str(ready),
                                           str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          env={**os.environ}))
        wait_until(lambda: all(r.exists() for r in readies), 60, message="both funding processes ready")
        go.touch()
        outs = [proc.communicate(timeout=120) for proc in procs]
        assert [proc.returncode for proc in procs] == [0, 0], [o[1][-2000:] for o in outs]
        assert [o[0].decode().strip().splitlines()[-1] for o in outs] == ["handled", "handled"]

        async def paid():
            app = funding_app(run_workers=False)
            async with app_client(app) as client:
                return sorted([(await client.get(f"/api/v1/projects/{p}/funding", headers=kit.FINANCE)).json()
                               ["paid_fen"] for p in (a, b)])
        assert asyncio.run(paid()) == [0, 10 * M], round_


@pytest.mark.postgres
async def test_the_year_close_and_a_settlement_over_a_shared_community_serialize(funding_app, kit, db_url):
    """F4 reads F3's coverage under the same community locks as a settlement, in the same order (projects, then
    communities): finance closing the year in one process while another settles a project of that year over a
    shared community ends as one of the two serial orders, and neither side deadlocks."""
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks across processes: PostgreSQL")
    one, two = funding_app(run_workers=False), funding_app(run_workers=False)
    failures: list[logging.LogRecord] = []
    catch = logging.Handler(logging.WARNING)
    catch.emit = failures.append  # the consumer logs each failed attempt (a detected deadlock too) before retrying
    async with app_client(one) as c1, app_client(two):
        logging.getLogger("fc_shared.inbox").addHandler(catch)  # after the apps configured logging
        try:
            await _close_and_settle_rounds(one, two, c1, kit, failures)
        finally:
            logging.getLogger("fc_shared.inbox").removeHandler(catch)


async def _close_and_settle_rounds(one, two, c1, kit, failures):
    for round_ in range(4):
        year = 2010 + round_
        shared = f"k-{kit.new_id()}"
        # a sorts before b, so the close locks a before b; b is the one being settled meanwhile.
        a, b = f"y1-{kit.new_id()}", f"y2-{kit.new_id()}"
        await kit.handle(one, kit.approved(a, community_ids=[shared], task_year=year),
                         kit.approved(b, community_ids=[f"z-{b}", shared], task_year=year))
        close, outcome = await asyncio.gather(
            c1.post(f"/api/v1/years/{year}/close", headers=kit.FINANCE),
            two.state.runtime.consumer.handle(kit.passed(b, "city", 12_000_000, decided_on=f"{year + 1}-03-01")))
        assert (close.status_code, outcome) == (200, "handled"), (round_, close.text)
        # handled at the first attempt: a deadlock would be detected by PostgreSQL and retried by the consumer
        assert not [r.__dict__.get("error") for r in failures], round_
        fa = (await c1.get(f"/api/v1/projects/{a}/funding", headers=kit.FINANCE)).json()
        fb = (await c1.get(f"/api/v1/projects/{b}/funding", headers=kit.FINANCE)).json()
        b_interim = [e["amount_fen"] for e in fb["entries"] if e["kind"] == "interim"]
        assert fb["paid_fen"] == 10 * M, round_
        if b_interim:  # the close came first: both got the uncovered interim, b's acceptance paid the rest
            assert (b_interim, fa["paid_fen"]) == ([7 * M], 7 * M), round_
        else:  # the settlement came first: a's only community is covered at city, so a has no interim
            assert fa["paid_fen"] == 0, round_
