"""The acceptance → payment → webhook chain end to end: four real services, the local broker, one receiver.

    .venv/bin/python bench/chain.py [--projects 1000] [--steady-rate 20] [--steady-seconds 20]
                                    [--db sqlite|postgresql|both] [--concurrency 32] [--prepare-concurrency 8]

Starts the local broker (Tansu) and the four services as real uvicorn processes on the local defaults
(``fc_devtools.serve``, as the end-to-end tests start them; SQLite files in a temporary directory, or with
``--db postgresql`` a fresh PostgreSQL database per service at 127.0.0.1:5432, dropped afterwards), and one
webhook receiver on loopback in its own process: a minimal HTTP/1.1 keep-alive server that verifies each
Standard Webhooks signature (``fc_shared.webhooks.verify``) and notes when it first received each project's
``fc.subsidy.disbursed``. One notify subscription to ``fc.subsidy.disbursed`` points at it.

Preparation walks each project through the public APIs with ``tools/flows.py``'s Driver, as
tests/e2e/test_money_flow.py does for worked example 1: community, a city-level project created 60 days
before its approval (2025-01-10), apply/select/submit/approve, a nine-scenario evaluation, expenditure
reported to funding and an acceptance application (city level), the four department reviews (→ district
reviewed). Its time is printed; it is not a figure. The bench then waits until every service's relay and
consumers have stood still for a second (their ``/metrics`` counters), so no figure includes that backlog.

Then, with a keep-alive HTTP/1.1 client that costs the machine little CPU, the province/city system posts
each acceptance's result (passed, city level): inspection records it → ``fc.acceptance.passed`` → funding
pays (worked example 1: 9,500,000 CNY) → ``fc.subsidy.disbursed`` → notify → the signed webhook.

(a) burst: ``--projects`` results posted as fast as ``--concurrency`` requests in flight allow. Figure:
    N / (first post sent → last webhook received), and the rate the posts were answered at; and the CPU time
    each process (service, broker, receiver, this client) used over the burst, per acceptance.
(b) steady: results posted open-loop at ``--steady-rate`` per second for ``--steady-seconds`` (each on its
    schedule whatever the answers take), to further prepared projects. Figures: p50 and p99 of
    result due → webhook received, matched by ``data.project_id`` in the webhook body.

The issue 15 targets (≥ 200 acceptances/s burst over 1,000 projects, p99 ≤ 250 ms at 20/s) are printed as
the reference lines: they are targets, not measured. Benchmarks print figures; they assert nothing.
Times from the receiver and this process are both CLOCK_MONOTONIC (``time.monotonic``, system-wide on Linux).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fc_devtools.testing import (SERVICE_MODULES, TEST_SECRET, Broker, Platform, async_wait_until,  # noqa: E402
                                 create_pg_database, drop_platform_databases, free_port, wait_until)
from tools.flows import Driver, expenditure  # noqa: E402
from _http import serve_keepalive  # noqa: E402
from bench._proc import cpu_seconds  # noqa: E402

BURST_TARGET = 200.0  # acceptances/s, issue 15
STEADY_P99_TARGET_MS = 250.0  # at 20/s, issue 15
APPROVED_ON = date(2025, 1, 10)
DECIDED_ON = date(2025, 11, 1)
SPENT_FEN = 9_000_000 * 100  # worked example 1: paid 9,500,000 CNY (F7)
PAID_KINDS = ("interim", "disbursement", "reward")  # funding's ledger kinds announced as fc.subsidy.disbursed


# --- the receiver: its own process; verifies each signature, notes each project's first webhook ----------

async def _serve_receiver(port: int, secret: str) -> None:
    from fc_shared.webhooks import SignatureError, verify

    seen: dict[str, list] = {}  # project → [first received, last received, webhooks, last received (wall clock)]
    ids: set[str] = set()
    stats = {"posts": 0, "bad_signatures": 0, "unparsed": 0, "repeated_ids": 0, "webhooks": 0,
             "webhooks_per_project": 0.0}

    def handle_post(headers: dict[str, str], body: bytes) -> None:
        stats["posts"] += 1
        try:
            msg_id = verify(secret, headers, body)
        except SignatureError:
            stats["bad_signatures"] += 1
            return
        if msg_id in ids:
            stats["repeated_ids"] += 1  # a redelivery of a message already received
            return
        ids.add(msg_id)
        try:
            project = json.loads(body)["data"]["project_id"]
        except (ValueError, KeyError, TypeError):
            stats["unparsed"] += 1
            return
        now = time.monotonic()
        mine = seen.setdefault(project, [now, now, 0, 0.0])
        mine[1], mine[2], mine[3] = now, mine[2] + 1, time.time()
        stats["webhooks"] = len(ids)
        stats["webhooks_per_project"] = round(len(ids) / len(seen), 3)

    def respond(request_line: str, headers: dict[str, str], body: bytes) -> bytes:
        if request_line.startswith("POST"):
            handle_post(headers, body)
            return b"ok"
        if request_line.startswith("GET /times"):
            return json.dumps(seen).encode()
        return json.dumps({**stats, "projects": len(seen)}).encode()

    await serve_keepalive(port, respond)


def start_receiver(port: int, secret: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--receiver", str(port)], env={**os.environ,
                                                                                      "FC_BENCH_SECRET": secret})
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1).status_code == 200, 20, 0.05,
               message="the receiver listening")
    return proc


async def receiver_stats(client: httpx.AsyncClient, url: str) -> dict:
    return (await client.get(url + "/stats")).json()


# --- preparation: the Driver's steps, one project per thread at a time --------------------------------

def prepare(urls: dict[str, str], n: int, concurrency: int) -> list[dict]:
    local = threading.local()

    def driver() -> Driver:
        if not hasattr(local, "d"):
            local.d = Driver(urls, TEST_SECRET)
        return local.d

    d0 = driver()
    codes = d0.standard_indicators()
    streets = [d0.street() for _ in range(8)]

    # Stage by stage over all projects (each stage's calls ``concurrency`` at a time), so a later stage
    # seldom waits for a projection to catch up with an earlier one (the Driver polls 404/409 if it must).
    def registry_steps(i: int) -> dict:
        d = driver()
        street = streets[i % len(streets)]
        project = d.project([d.community(street)], target_level="city",
                            created_on=APPROVED_ON - timedelta(days=60))
        d.approve(project["id"], street, APPROVED_ON, level="city")
        return {"project_id": project["id"], "street": street}

    def evaluate(p: dict) -> None:
        driver().evaluate_all_met(p["project_id"], p["street"], codes)

    def accept(p: dict) -> dict:
        d = driver()
        acceptance = d.apply_acceptance(p["project_id"], p["street"], "city", expenditure(SPENT_FEN))
        d.review_all(acceptance)
        return {"project_id": p["project_id"], "acceptance_id": acceptance["id"]}

    with ThreadPoolExecutor(concurrency) as pool:
        t0 = time.monotonic()
        projects = list(pool.map(registry_steps, range(n)))
        t1 = time.monotonic()
        list(pool.map(evaluate, projects))
        t2 = time.monotonic()
        items = list(pool.map(accept, projects))
        t3 = time.monotonic()
    print(f"preparation stages: registry {t1 - t0:.0f} s (community, project, 4 transitions each), "
          f"evaluation {t2 - t1:.0f} s, acceptance {t3 - t2:.0f} s (expenditures, application, 4 reviews)", flush=True)
    return items


# --- posting results: a lean keep-alive HTTP/1.1 client ---------------------------------------------------

class Poster:
    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token

    def request(self, acceptance_id: str) -> bytes:
        body = json.dumps({"passed": True, "level": "city", "decided_on": DECIDED_ON.isoformat(),
                           "reference": f"REF-{uuid.uuid4().hex[:8]}"}).encode()
        head = (f"POST /api/v1/acceptances/{acceptance_id}/result HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode() + body

    async def open(self):
        from rest import Connection

        return await Connection.open(self.port)


RETRIES = {"count": 0}


async def post_one(conn, poster: Poster, acceptance_id: str):
    """Post one result; a 5xx/429 answer or a connection the server closed is tried again (counted, printed),
    anything else but 200/201 stops the run. Returns the connection to use next."""
    for attempt in range(6):
        try:
            status, _ = await conn.get(poster.request(acceptance_id))
        except (asyncio.IncompleteReadError, ConnectionError):
            conn.close()
            conn, status = await poster.open(), None
        if status in (200, 201):
            return conn
        if status is not None and status < 500 and status != 429:
            break
        RETRIES["count"] += 1
    raise RuntimeError(f"result for acceptance {acceptance_id}: status {status}")


async def burst(poster: Poster, items: list[dict], concurrency: int, receiver_url: str, expected: int,
                timeout: float) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    conns = [await poster.open() for _ in range(min(concurrency, len(items)))]
    sent: dict[str, float] = {}

    async def worker(conn) -> None:
        while not queue.empty():
            item = queue.get_nowait()
            sent[item["project_id"]] = time.monotonic()
            conn = await post_one(conn, poster, item["acceptance_id"])
        conn.close()

    start = time.monotonic()
    await asyncio.gather(*[worker(c) for c in conns])
    answered = time.monotonic()
    seen = await wait_for_webhooks(receiver_url, set(sent), expected, timeout)
    last = max(seen[p][1] for p in sent)
    return {"n": len(items), "answered_s": answered - start, "end_to_end_s": last - start,
            "sent": sent, "seen": seen,
            "latencies": sorted(seen[p][1] - t for p, t in sent.items()),
            "first_latencies": sorted(seen[p][0] - t for p, t in sent.items())}


async def steady(poster: Poster, items: list[dict], rate: float, receiver_url: str, expected: int,
                 timeout: float) -> dict:
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(8):
        idle.put_nowait(await poster.open())
    due: dict[str, float] = {}
    late = 0.0
    tasks = []

    async def one(item: dict) -> None:
        conn = await idle.get() if not idle.empty() else await poster.open()
        idle.put_nowait(await post_one(conn, poster, item["acceptance_id"]))

    start = time.monotonic() + 0.05
    for i, item in enumerate(items):
        at = start + i / rate
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # the open-loop schedule, not a wait for something to happen
        else:
            late = max(late, -delay)
        due[item["project_id"]] = at
        tasks.append(asyncio.create_task(one(item)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait().close()
    seen = await wait_for_webhooks(receiver_url, set(due), expected, timeout)
    return {"n": len(items), "late_s": late, "sent": due, "seen": seen,
            "latencies": sorted(seen[p][1] - t for p, t in due.items()),
            "first_latencies": sorted(seen[p][0] - t for p, t in due.items())}


async def wait_for_webhooks(receiver_url: str, projects: set[str], expected: int, timeout: float) -> dict[str, list]:
    """Until every project's payment has reached the receiver (``expected`` webhooks each): project → [first
    received, last received, count, last received on the wall clock]. Polls the receiver's small count until
    it is high enough, then reads the per-project times (a large body: not polled at 50/s beside the services)."""
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        seen = (await client.get(receiver_url + "/times")).json()
        target = sum(v[2] for p, v in seen.items() if p not in projects) + expected * len(projects)

        async def enough() -> bool:
            return (await receiver_stats(client, receiver_url))["webhooks"] >= target

        await async_wait_until(enough, timeout, 0.02, message=f"{expected} webhooks for each of {len(projects)} projects")

        async def all_in() -> dict | None:
            seen = (await client.get(receiver_url + "/times")).json()
            return seen if all(seen.get(p, (0, 0, 0))[2] >= expected for p in projects) else None
        return await async_wait_until(all_in, timeout, 0.02,
                                      message=f"{expected} webhooks for each of {len(projects)} projects")


async def probe(poster: Poster, item: dict, receiver_url: str, funding_url: str, timeout: float) -> list[str]:
    """One result end to end before the figures (warming the path): how many signed webhooks one payment is
    (funding's ledger entries that pay the street, each a ``fc.subsidy.disbursed``)."""
    from fc_devtools.testing import auth

    conn = await post_one(await poster.open(), poster, item["acceptance_id"])
    conn.close()
    await wait_for_webhooks(receiver_url, {item["project_id"]}, 1, timeout)
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        async def paid() -> list[str] | None:
            r = await client.get(f"{funding_url}/api/v1/projects/{item['project_id']}/funding", headers=auth("finance"))
            kinds = [e["kind"] for e in r.raise_for_status().json()["entries"] if e["kind"] in PAID_KINDS]
            return kinds or None
        kinds = await async_wait_until(paid, timeout, 0.05, message="the probe's payment in funding")
    await wait_for_webhooks(receiver_url, {item["project_id"]}, len(kinds), timeout)
    return kinds


def settle(urls: dict[str, str], quiet_s: float = 1.0, timeout: float = 600.0) -> float:
    """Wait until the preparation's events have travelled: every service's relay and consumers have stood
    still (``fc_outbox_published_total``, ``fc_events_handled_total`` unchanged) for ``quiet_s``, so the
    figures are not of the preparation's backlog. The seconds it took."""
    def counters() -> tuple[float, ...]:
        out = []
        for url in urls.values():
            text = httpx.get(url + "/metrics", timeout=10).raise_for_status().text
            out += [sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))
                    for name in ("fc_outbox_published_total{", "fc_events_handled_total{")]
        return tuple(out)

    start = time.monotonic()
    last = {"value": counters(), "since": time.monotonic()}

    def still() -> bool:
        now = counters()
        if now != last["value"]:
            last.update(value=now, since=time.monotonic())
        return time.monotonic() - last["since"] >= quiet_s
    wait_until(still, timeout, 0.2, message="the preparation's events handled everywhere")
    return time.monotonic() - start


async def stages(db_urls: dict[str, str], sent: dict[str, float], seen: dict[str, list]) -> dict[str, list[float]]:
    """Where each project's time went, read afterwards from the services' own rows (wall clock, one machine):
    result posted → inspection recorded it (``acceptances.result_at``) → funding paid it (the last paying
    ``ledger_entries.at``) → notify consumed the last ``fc.subsidy.disbursed`` (``events.received_at``) → the
    receiver had the last webhook. Each stage's seconds, sorted."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    queries = {
        "inspection": "SELECT project_id, result_at FROM acceptances WHERE result_at IS NOT NULL",
        "funding": "SELECT project_id, max(at) FROM ledger_entries WHERE kind IN ('interim', 'disbursement', "
                   "'reward') GROUP BY project_id",
        "notify": "SELECT subject, max(received_at) FROM events WHERE type = 'fc.subsidy.disbursed' GROUP BY subject",
    }
    marks: dict[str, dict[str, float]] = {}
    for service, sql in queries.items():
        engine = create_async_engine(db_urls[service])
        try:
            async with engine.connect() as conn:
                marks[service] = {r[0]: _epoch(r[1]) for r in (await conn.execute(text(sql))).all()}
        finally:
            await engine.dispose()
    offset = time.time() - time.monotonic()
    chain = [("posted_to_recorded", None, "inspection"), ("recorded_to_paid", "inspection", "funding"),
             ("paid_to_notify", "funding", "notify"), ("notify_to_webhook", "notify", None)]
    out: dict[str, list[float]] = {name: [] for name, _, _ in chain}
    for project, at in sent.items():
        points = {None: at + offset, "inspection": marks["inspection"].get(project),
                  "funding": marks["funding"].get(project), "notify": marks["notify"].get(project)}
        for name, a, b in chain:
            start, end = points[a], (seen[project][3] if b is None else points[b])
            if start is not None and end is not None:
                out[name].append(end - start)
    return {name: sorted(values) for name, values in out.items()}


def _epoch(value) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else 0.0


# --- the run ----------------------------------------------------------------------------------------------

def run(db: str, args) -> list[str]:
    from fc_devtools.testing import auth, token

    work = Path(tempfile.mkdtemp(prefix=f"fc-bench-chain-{db}-"))
    broker = Broker(work)
    broker.start()
    env = {"FC_JWT_SECRET": TEST_SECRET, "FC_KAFKA_BOOTSTRAP": broker.bootstrap, "FC_ENV": "development",
           "FC_SAMPLE_DATA": "0", "FC_LOG_LEVEL": "WARNING", "NOTIFY_WEBHOOK_RESOLVER": "static"}
    if db == "postgresql":
        urls = {name: create_pg_database(f"fc_bench_chain_{name}") for name in SERVICE_MODULES}
    else:
        urls = {name: f"sqlite+aiosqlite:///{work / (name + '.db')}" for name in SERVICE_MODULES}
    platform = Platform(ROOT, work, broker, env, urls)
    receiver = None
    lines: list[str] = []
    try:
        platform.migrate()
        platform.start()
        service_urls = {name: svc.url for name, svc in platform.services.items()}
        port = free_port()
        receiver_url = f"http://127.0.0.1:{port}"
        sub = httpx.post(service_urls["notify"] + "/api/v1/subscriptions", headers=auth("district_office"), timeout=30,
                         json={"url": receiver_url + "/hook", "event_types": ["fc.subsidy.disbursed"],
                               "description": "bench/chain.py"}).raise_for_status().json()
        receiver = start_receiver(port, sub["secret"])

        n_steady = int(args.steady_rate * args.steady_seconds)
        total = 1 + args.projects + n_steady  # the first one is the probe
        t0 = time.monotonic()
        items = prepare(service_urls, total, args.prepare_concurrency)
        prep_s = time.monotonic() - t0
        print(f"{db}: prepared {total} projects up to a district-reviewed acceptance through the APIs in "
              f"{prep_s:.0f} s ({total / prep_s:.1f} projects/s, {args.prepare_concurrency} at a time)", flush=True)

        print(f"{db}: the platform settled {settle(service_urls):.1f} s after the preparation", flush=True)
        poster = Poster(platform.services["inspection"].port, token("integration", scope="city"))
        kinds = asyncio.run(probe(poster, items[0], receiver_url, service_urls["funding"], args.timeout))
        expected = len(kinds)
        print(f"{db}: one payment here is {expected} signed webhooks (ledger entries {', '.join(kinds)}); "
              "a project's chain ends at the last of them", flush=True)
        processes = {**{name: svc.proc.pid for name, svc in platform.services.items()},
                     "broker": broker.proc.pid, "receiver": receiver.pid, "bench client": os.getpid()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        b = asyncio.run(burst(poster, items[1:1 + args.projects], args.concurrency, receiver_url, expected,
                              args.timeout))
        burst_cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes.items()}
        s = asyncio.run(steady(poster, items[1 + args.projects:], args.steady_rate, receiver_url, expected,
                               args.timeout)) if n_steady else None
        stats = httpx.get(receiver_url + "/stats", timeout=30).json()
        print(f"{db}: receiver {json.dumps(stats)}; results posted again after a 5xx/429 or a closed connection: "
              f"{RETRIES['count']}; load average {os.getloadavg()[0]:.1f}", flush=True)
        if s and s["late_s"] > 0.05:
            print(f"note: the steady client fell {s['late_s'] * 1000:.0f} ms behind its schedule", file=sys.stderr)

        stage_lines = []
        for phase, r in (("burst", b), ("steady", s)):
            if r is None:
                continue
            for stage, values in asyncio.run(stages(urls, r["sent"], r["seen"])).items():
                stage_lines.append(f"figure: chain_{phase}_{db}_stage_{stage} {percentile(values, 0.5) * 1000:.0f} ms "
                             f"(p50; p99 {percentile(values, 0.99) * 1000:.0f} ms, {len(values)} projects, "
                             "from the services' own rows)")
        rate = b["n"] / b["end_to_end_s"]
        ms = lambda values, q: f"{percentile(values, q) * 1000:.0f}"  # noqa: E731
        lines += [
            f"figure: chain_burst_{db} {rate:.1f} acceptances/s ({b['n']} results, {args.concurrency} in flight, "
            f"first result posted → last signed webhook received)",
            f"figure: chain_burst_{db}_reference_target {BURST_TARGET:.0f} acceptances/s (issue 15 target, not measured)",
            f"figure: chain_burst_{db}_ratio {rate / BURST_TARGET:.3f} of target (≥ 1 meets it)",
            f"figure: chain_burst_{db}_posted {b['n'] / b['answered_s']:.0f} results/s (first posted → last answered)",
            f"figure: chain_burst_{db}_p50 {ms(b['latencies'], 0.5)} ms (in the burst: a result posted → the last "
            f"webhook of its payment; first webhook p50 {ms(b['first_latencies'], 0.5)} ms)",
            f"figure: chain_burst_{db}_p99 {ms(b['latencies'], 0.99)} ms (in the burst: a result posted → the last "
            f"webhook of its payment; first webhook p99 {ms(b['first_latencies'], 0.99)} ms)",
        ]
        lines += [f"figure: chain_burst_{db}_cpu_{name.replace(' ', '_')} {seconds * 1000 / b['n']:.1f} ms "
                  f"per acceptance (CPU time of the process over the burst, /proc/<pid>/stat; "
                  f"{seconds / b['end_to_end_s']:.2f} of a core)" for name, seconds in burst_cpu.items()]
        unseen = "; PostgreSQL's own processes not counted" if db == "postgresql" else ""
        lines.append(f"figure: chain_burst_{db}_cpu_all {sum(burst_cpu.values()) * 1000 / b['n']:.1f} ms per "
                     f"acceptance (the processes above together{unseen}; the machine has {os.cpu_count()} cores)")
        if s:
            p99 = percentile(s["latencies"], 0.99) * 1000
            what = (f"{s['n']} results at {args.steady_rate:g}/s, result due → the last signed webhook of its "
                    f"payment received")
            lines += [
                f"figure: chain_steady_{db}_p50 {ms(s['latencies'], 0.5)} ms ({what}; "
                f"first webhook {ms(s['first_latencies'], 0.5)} ms)",
                f"figure: chain_steady_{db}_p99 {p99:.0f} ms ({what}; first webhook {ms(s['first_latencies'], 0.99)} ms)",
                f"figure: chain_steady_{db}_max {s['latencies'][-1] * 1000:.0f} ms ({what})",
                f"figure: chain_steady_{db}_p99_reference_target {STEADY_P99_TARGET_MS:.0f} ms "
                "(issue 15 target at 20/s, not measured)",
                f"figure: chain_steady_{db}_p99_ratio {p99 / STEADY_P99_TARGET_MS:.2f} of target (≤ 1 meets it)",
            ]
        lines += stage_lines
    finally:
        if receiver is not None:
            receiver.terminate()
            receiver.wait(10)
        platform.stop()
        drop_platform_databases(platform)
        broker.kill()
    for line in lines:
        print(line, flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=1000, help="results posted in the burst")
    parser.add_argument("--steady-rate", type=float, default=20.0, help="results per second in the steady phase")
    parser.add_argument("--steady-seconds", type=float, default=20.0, help="length of the steady phase (0: skip)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=32, help="burst: results in flight")
    parser.add_argument("--prepare-concurrency", type=int, default=8, help="projects prepared at a time")
    parser.add_argument("--timeout", type=float, default=900.0, help="longest wait for the webhooks of a phase (s)")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        asyncio.run(_serve_receiver(args.receiver, os.environ["FC_BENCH_SECRET"]))
        return 0
    for db in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        run(db, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
