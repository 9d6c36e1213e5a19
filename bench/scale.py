"""Scale: inspection's monthly bulletin over 10,000 projects and registry's community portrait with 100 projects.

    .venv/bin/python bench/scale.py [--bulletin-projects 10000] [--portrait-projects 100] [--db sqlite|postgresql]
                                    [--only bulletin|portrait]

Each service runs as a real uvicorn process on the local defaults (``fc_devtools.serve``, the local broker,
SQLite in a temporary directory; ``--db postgresql``: a fresh database at 127.0.0.1:5432, dropped afterwards).

Bulletin (§5.6, issue 15 target ≤ 2 s): inspection's projections are seeded straight into its migrated
tables before it starts, in the shapes its event handlers write them (service_layer/projection.py): 40
streets; per project its projection row and dated states (draft → applied → selected → submitted →
approved, some accepted), four milestones each with its plan version, three expenditures, a capital plan
with its version, and a problem for every second project. Seeding through the services' APIs and the broker
would take over an hour at this size (bench/chain.py prepares 2–3 projects/s on 2 cores); the bulletin reads
only these tables. Then the district office
publishes three ended months (``POST /api/v1/bulletins``), each timed from request to answer (a month is
published once, so each run computes a fresh one).

Portrait (§5.2, issue 15 target ≤ 50 ms): registry alone; one community, and ``--portrait-projects``
projects over it created and approved through registry's API (tools/flows.py's Driver: the warning about a
community already in a live project is expected), so each has its deadlines and next node. Then
``GET /api/v1/communities/{id}/portrait`` one request at a time, 5 warm-up then 50 timed: p50, p99.

Prints ``figure:`` lines; the targets are printed beside them as references (targets, not measured).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fc_devtools.testing import (TEST_SECRET, Broker, ServiceProcess, auth, create_pg_database,  # noqa: E402
                                 drop_pg_database, migrate)

BULLETIN_TARGET_S = 2.0
PORTRAIT_TARGET_MS = 50.0
MONTHS = ("2026-09", "2026-10", "2026-11")
STATES = ("draft", "applied", "selected", "submitted", "approved")


def env_for(broker: Broker, work: Path) -> dict[str, str]:
    return {"FC_JWT_SECRET": TEST_SECRET, "FC_KAFKA_BOOTSTRAP": broker.bootstrap, "FC_ENV": "development",
            "FC_SAMPLE_DATA": "0", "FC_LOG_LEVEL": "WARNING", "FC_DATA_DIR": str(work)}


def database(db: str, work: Path, service: str) -> str:
    if db == "postgresql":
        return create_pg_database(f"fc_bench_scale_{service}")
    return f"sqlite+aiosqlite:///{work / (service + '.db')}"


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else 0.0


# --- bulletin ----------------------------------------------------------------------------------------

def bulletin_rows(n: int) -> dict[str, list[dict]]:
    rnd = random.Random(15)
    now = datetime.now(UTC)
    streets = [f"B{k:02d}" for k in range(1, 41)]
    rows: dict[str, list[dict]] = {k: [] for k in ("streets", "projects", "project_states", "milestones",
                                                   "milestone_versions", "expenditures", "capital_plans",
                                                   "capital_plan_versions", "problems")}
    rows["streets"] = [{"code": c, "name": f"bench street {c}"} for c in streets]
    for i in range(n):
        pid = str(uuid.UUID(int=rnd.getrandbits(128)))
        street = streets[i % len(streets)]
        created = date(2023, 1, 1) + timedelta(days=rnd.randrange(0, 3 * 365))
        steps = len(STATES) if rnd.random() < 0.8 else rnd.randrange(1, len(STATES))  # 80% approved or beyond
        history = [(v + 1, created + timedelta(days=30 * v), STATES[v]) for v in range(steps)]
        if steps == len(STATES) and rnd.random() < 0.3:
            history.append((steps + 1, history[-1][1] + timedelta(days=300), "accepted"))
        approved_on = next((d for _, d, s in history if s == "approved"), None)
        rows["projects"].append({
            "id": pid, "name": f"bench project {i}", "street_code": street, "type": "renovation",
            "target_level": "city", "state": history[-1][2],
            "accepted_level": "city" if history[-1][2] == "accepted" else None, "approved_on": approved_on,
            "creation_deadline": approved_on + timedelta(days=365) if approved_on else None,
            "task_year": (approved_on + timedelta(days=365)).year if approved_on else None,
            "community_ids": [str(uuid.uuid4())], "version": history[-1][0], "updated_at": now})
        rows["project_states"] += [{"project_id": pid, "version": v, "state": s, "effective_on": d}
                                   for v, d, s in history]
        if approved_on is None:
            continue
        for m in range(4):
            mid = f"{pid}-m{m}"
            planned = approved_on + timedelta(days=60 * (m + 1))
            actual = planned + timedelta(days=rnd.randrange(-20, 40)) if rnd.random() < 0.6 else None
            rows["milestones"].append({"id": mid, "project_id": pid, "street_code": street, "title": f"node {m}",
                                       "planned_on": planned, "actual_on": actual})
            rows["milestone_versions"].append({"event_id": str(uuid.uuid4()), "milestone_id": mid,
                                               "planned_on": planned, "actual_on": actual, "recorded_at": now,
                                               "recorded_on": approved_on})
        for c, category in enumerate(("consulting_design", "construction", "equipment")):
            rows["expenditures"].append({"event_id": str(uuid.uuid4()), "project_id": pid, "street_code": street,
                                         "category": category, "amount_fen": rnd.randrange(1, 500) * 1_000_000,
                                         "eligible": True, "reported_on": approved_on + timedelta(days=90 * (c + 1))})
        total = rnd.randrange(50, 200) * 100_000_000
        rows["capital_plans"].append({"project_id": pid, "street_code": street, "construction_total_fen": total,
                                      "operating_balance_fen": total // 10, "balanced": True})
        rows["capital_plan_versions"].append({"event_id": str(uuid.uuid4()), "project_id": pid, "street_code": street,
                                              "construction_total_fen": total, "recorded_at": now,
                                              "recorded_on": approved_on})
        if i % 2 == 0:
            opened = approved_on + timedelta(days=rnd.randrange(0, 400))
            rows["problems"].append({"id": str(uuid.uuid4()), "street_code": street, "project_id": pid,
                                     "opened_on": opened, "due_on": opened + timedelta(days=30),
                                     "closed_on": opened + timedelta(days=20) if rnd.random() < 0.5 else None})
    return rows


async def seed_inspection(url: str, n: int) -> dict[str, int]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from fc_inspection.adapters import tables

    rows = bulletin_rows(n)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for name, values in rows.items():
                table = getattr(tables, name)
                for k in range(0, len(values), 5000):
                    await conn.execute(table.insert(), values[k:k + 5000])
    finally:
        await engine.dispose()
    return {name: len(values) for name, values in rows.items()}


def bench_bulletin(db: str, n: int, broker: Broker, work: Path) -> list[str]:
    url = database(db, work, "inspection")
    service = ServiceProcess("inspection", "fc_inspection.main", {**env_for(broker, work),
                                                                  "INSPECTION_DATABASE_URL": url}, work)
    try:
        migrate(ROOT / "services" / "inspection", url)
        t0 = time.perf_counter()
        counts = asyncio.run(seed_inspection(url, n))
        print(f"bulletin: seeded inspection's tables in {time.perf_counter() - t0:.1f} s: "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
        service.start()
        timings = []
        with httpx.Client(timeout=120, trust_env=False) as client:
            for month in MONTHS:
                t = time.perf_counter()
                r = client.post(service.url + "/api/v1/bulletins", headers=auth("district_office"),
                                json={"month": month})
                timings.append(time.perf_counter() - t)
                r.raise_for_status()
                print(f"bulletin {month}: {timings[-1]:.3f} s, {len(r.json()['ranking'])} streets ranked", flush=True)
    finally:
        service.stop()
        if db == "postgresql":
            drop_pg_database(url)
    median = statistics.median(timings)
    what = f"{n:,} projects, {db}, POST /api/v1/bulletins request → answer"
    return [f"figure: bulletin_{db} {median:.3f} s (median of {len(timings)} months: "
            f"{', '.join(f'{t:.3f}' for t in timings)}; {what})",
            f"figure: bulletin_{db}_worst {max(timings):.3f} s ({what})",
            f"figure: bulletin_{db}_reference_target {BULLETIN_TARGET_S:.0f} s (issue 15 target, not measured)",
            f"figure: bulletin_{db}_ratio {median / BULLETIN_TARGET_S:.2f} of target (≤ 1 meets it)"]


# --- portrait ----------------------------------------------------------------------------------------

def bench_portrait(db: str, n: int, broker: Broker, work: Path) -> list[str]:
    from tools.flows import Driver

    url = database(db, work, "registry")
    service = ServiceProcess("registry", "fc_registry.main", {**env_for(broker, work),
                                                              "REGISTRY_DATABASE_URL": url}, work)
    try:
        migrate(ROOT / "services" / "registry", url)
        service.start()
        driver = Driver({"registry": service.url}, TEST_SECRET)
        street = driver.street()
        community = driver.community(street)
        t0 = time.perf_counter()

        def one(i: int) -> None:
            d = Driver({"registry": service.url}, TEST_SECRET)
            p = d.project([community], created_on=date(2024, 1, 1) + timedelta(days=i))
            d.approve(p["id"], street, date(2024, 6, 1) + timedelta(days=i), level="city")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(n)))
        print(f"portrait: {n} projects created and approved over one community through registry's API in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        path = f"{service.url}/api/v1/communities/{community}/portrait"
        headers = auth("district_office")
        timings = []
        with httpx.Client(timeout=30, trust_env=False, headers=headers) as client:
            body = client.get(path).raise_for_status().json()
            if len(body["projects"]) != n:
                raise SystemExit(f"the portrait shows {len(body['projects'])} projects, not {n}")
            for i in range(55):
                t = time.perf_counter()
                client.get(path).raise_for_status()
                if i >= 5:
                    timings.append(time.perf_counter() - t)
    finally:
        service.stop()
        if db == "postgresql":
            drop_pg_database(url)
    timings.sort()
    p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
    what = f"{n} projects, {db}, one client, {len(timings)} requests"
    return [f"figure: portrait_{db}_p50 {p50:.1f} ms ({what})",
            f"figure: portrait_{db}_p99 {p99:.1f} ms ({what})",
            f"figure: portrait_{db}_reference_target {PORTRAIT_TARGET_MS:.0f} ms (issue 15 target, not measured)",
            f"figure: portrait_{db}_ratio {p50 / PORTRAIT_TARGET_MS:.2f} of target (p50; ≤ 1 meets it)"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bulletin-projects", type=int, default=10_000)
    parser.add_argument("--portrait-projects", type=int, default=100)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--only", choices=("bulletin", "portrait"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fc-bench-scale-"))
    broker = Broker(work)
    broker.start()
    lines: list[str] = []
    try:
        if args.only in (None, "bulletin"):
            lines += bench_bulletin(args.db, args.bulletin_projects, broker, work)
        if args.only in (None, "portrait"):
            lines += bench_portrait(args.db, args.portrait_projects, broker, work)
    finally:
        broker.kill()
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
