"""Bounded load run: a steady request rate of mixed reads and writes against the four services.

    .venv/bin/python bench/load.py [--rate 30] [--duration 180] [--warmup 20]

Standalone it starts its own broker and platform (SQLite databases in a temporary directory), prepares
a few projects, warms up at the full rate, then measures. Requests are sent open-loop on a fixed
schedule (one every 1/rate s, whatever the answers take), drawn from this mix:

- reads (70%): registry GET /api/v1/projects and /api/v1/board, funding GET /api/v1/projects/{id}/funding,
  inspection GET /api/v1/acceptances, notify GET /api/v1/alerts;
- writes (30%): one step of a project's path as tools/flows.py walks it: create a community, create a
  project, apply (street), select, submit, approve (district office), then a nine-scenario evaluation.

It prints requests sent, errors (status ≥ 500, transport errors and any 4xx the flow does not expect),
the achieved rate, p50/p95/p99 latency per endpoint, and each service process's RSS at the start of the
measured phase, in its middle, at its end and its highest (sampled every second); ``figure: rss_<service>``
lines give that highest beside issue 15's 150 MB target. ``run_load`` returns the same figures (tests/faults/test_load.py).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fc_shared.auth import mint_token  # noqa: E402
from fc_shared.settings import PlatformSettings  # noqa: E402
from fc_devtools.testing import TEST_SECRET  # noqa: E402

READS = {  # endpoint → weight (of 100 requests)
    "GET registry /api/v1/projects": 15,
    "GET registry /api/v1/board": 15,
    "GET funding /api/v1/projects/{id}/funding": 15,
    "GET inspection /api/v1/acceptances": 15,
    "GET notify /api/v1/alerts": 10,
}
WRITE_WEIGHT = 30
PROJECTION_LAG_S = 60.0  # how long a service may take to learn a new project from the broker
MAX_IN_FLIGHT = 200
KEEPALIVE_EXPIRY_S = 2.0  # < uvicorn's --timeout-keep-alive (5 s)
RSS_TARGET_MIB = 150e6 / 2**20  # issue 15: ≤ 150 MB per service under this load


def rss_kib(pid: int) -> int:
    """VmRSS of one process, from /proc (KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


@dataclass
class Pipeline:
    """One project walking its path, one request per write tick."""

    street: str
    step: str = "community"
    community_id: str | None = None
    project_id: str | None = None
    not_before: float = 0.0
    lagging_since: float | None = None


@dataclass
class Stats:
    sent: int = 0
    errors: int = 0
    lag_retries: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(what)


class Load:
    def __init__(self, urls: dict[str, str], secret: str, seed: int) -> None:
        self.urls = urls
        self.settings = PlatformSettings(jwt_secret=secret)
        self.rng = random.Random(seed)
        # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them from its side: with
        # equal timeouts a request can go out on a connection the server is closing ("Server disconnected").
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=MAX_IN_FLIGHT,
                                                                        keepalive_expiry=KEEPALIVE_EXPIRY_S))
        self._tokens: dict[tuple, dict[str, str]] = {}
        self.streets: list[str] = []
        self.codes: list[str] = []
        self.funded: list[str] = []  # projects funding already knows
        self.ready: collections.deque[Pipeline] = collections.deque()
        self.stats = Stats()
        today = datetime.now(UTC).date()
        self.created_on, self.approved_on = today - timedelta(days=40), today - timedelta(days=10)

    def headers(self, role: str, **claims: str) -> dict[str, str]:
        key = (role, tuple(sorted(claims.items())))
        if key not in self._tokens:
            tok = mint_token(self.settings, role=role, sub=f"load-{role}", ttl_s=24 * 3600, **claims)
            self._tokens[key] = {"Authorization": f"Bearer {tok}"}
        return self._tokens[key]

    async def request(self, endpoint: str, path: str, role: str, *, claims: dict[str, str] | None = None,
                      expect: tuple[int, ...] = (200,), lag: tuple[int, ...] = (), **kwargs: Any) -> httpx.Response | None:
        """One timed request; returns the response when its status is expected, else counts an error.

        A status in ``lag`` is the service not having heard of a new resource yet: returned, not counted.
        """
        method, service, _ = endpoint.split(" ", 2)
        self.stats.sent += 1
        t0 = time.perf_counter()
        try:
            resp = await self.client.request(method, self.urls[service] + path,
                                             headers=self.headers(role, **(claims or {})), **kwargs)
        except httpx.HTTPError as exc:
            self.stats.error(f"{endpoint}: {type(exc).__name__} {exc}")
            return None
        self.stats.latencies[endpoint].append(time.perf_counter() - t0)
        if resp.status_code in expect or resp.status_code in lag:
            return resp
        self.stats.error(f"{endpoint}: {resp.status_code} {resp.text[:200]}")
        return None

    # --- reads ---------------------------------------------------------------------------------

    async def read(self, endpoint: str) -> None:
        if endpoint == "GET funding /api/v1/projects/{id}/funding":
            pid = self.rng.choice(self.funded)
            await self.request(endpoint, f"/api/v1/projects/{pid}/funding", "finance")
        elif endpoint == "GET notify /api/v1/alerts":
            await self.request(endpoint, "/api/v1/alerts", "district_office", params={"limit": 50})
        else:
            await self.request(endpoint, endpoint.split(" ", 2)[2], "auditor", params={"limit": 50})

    # --- writes --------------------------------------------------------------------------------

    def next_pipeline(self) -> Pipeline:
        now = time.monotonic()
        for _ in range(len(self.ready)):
            p = self.ready.popleft()
            if p.not_before <= now:
                return p
            self.ready.append(p)
        return Pipeline(street=self.rng.choice(self.streets))

    async def write(self) -> None:
        p = self.next_pipeline()
        done = await self.step(p)
        if not done:
            self.ready.append(p)

    async def step(self, p: Pipeline) -> bool:
        """Take the pipeline's next step; True when its path is finished (or broken by an error)."""
        if p.step == "community":
            r = await self.request("POST registry /api/v1/communities", "/api/v1/communities", "district_office",
                                   expect=(201,), json=community_body(p.street))
            if r is None:
                return True
            p.community_id, p.step = r.json()["id"], "project"
            return False
        if p.step == "project":
            r = await self.request("POST registry /api/v1/projects", "/api/v1/projects", "district_office",
                                   expect=(201,), json={
                                       "name": f"负载项目{uuid.uuid4().hex[:6]}", "community_ids": [p.community_id],
                                       "type": "renovation", "target_level": "city", "area_ha": 20.0,
                                       "life_circle_minutes": 15, "created_on": self.created_on.isoformat()})
            if r is None:
                return True
            p.project_id, p.step = r.json()["id"], "apply"
            return False
        if p.step in ("apply", "select", "submit", "approve"):
            role, claims = ("street", {"street_code": p.street}) if p.step == "apply" else ("district_office", {})
            body: dict[str, Any] = {"action": p.step}
            if p.step == "approve":
                body.update(on=self.approved_on.isoformat(), level="city", reference="压测批复〔2024〕1号")
            r = await self.request("POST registry /api/v1/projects/{id}/transitions",
                                   f"/api/v1/projects/{p.project_id}/transitions", role, claims=claims, json=body)
            if r is None:
                return True
            p.step = {"apply": "select", "select": "submit", "submit": "approve", "approve": "evaluate"}[p.step]
            return False
        # evaluate: inspection must first hear of the project (fc.project.* events); until then 404/409
        r = await self.request("POST inspection /api/v1/projects/{id}/evaluations",
                               f"/api/v1/projects/{p.project_id}/evaluations", "street",
                               claims={"street_code": p.street}, expect=(201,), lag=(404, 409),
                               json={"indicators": {c: {"met": True, "evidence": "现场核查"} for c in self.codes}})
        if r is None:
            return True
        if r.status_code == 201:
            return True
        now = time.monotonic()
        p.lagging_since = p.lagging_since or now
        if now - p.lagging_since > PROJECTION_LAG_S:
            self.stats.error(f"inspection never learnt project {p.project_id}: {r.status_code} {r.text[:200]}")
            return True
        self.stats.lag_retries += 1
        p.not_before = now + 1.0
        return False

    # --- setup and the run ---------------------------------------------------------------------

    async def prepare(self, streets: int = 4, funded: int = 6) -> None:
        """Streets, the standard indicators, and a few evaluated projects funding knows (for funding reads)."""
        for _ in range(streets):
            code = "L" + uuid.uuid4().hex[:7].upper()
            r = await self.client.post(self.urls["registry"] + "/api/v1/streets",
                                       headers=self.headers("district_office"),
                                       json={"code": code, "name": f"负载街道{code}", "kind": "subdistrict"})
            r.raise_for_status()
            self.streets.append(code)
        r = await self.client.get(self.urls["inspection"] + "/api/v1/scenario-catalogue", headers=self.headers("auditor"))
        r.raise_for_status()
        self.codes = [i["code"] for i in r.json()["indicators"] if i["kind"] == "standard"]
        prepared = [Pipeline(street=self.streets[i % streets]) for i in range(funded)]
        pipelines, deadline = list(prepared), time.monotonic() + 120
        while pipelines and time.monotonic() < deadline:
            results = await asyncio.gather(*(self.step(p) for p in pipelines))
            pipelines = [p for p, done in zip(pipelines, results) if not done]
            await asyncio.sleep(0.2)
        ids = [p.project_id for p in prepared if p.project_id]
        while time.monotonic() < deadline:
            answers = await asyncio.gather(*(self.client.get(self.urls["funding"] + f"/api/v1/projects/{pid}/funding",
                                                             headers=self.headers("finance")) for pid in ids))
            self.funded = [pid for pid, a in zip(ids, answers) if a.status_code == 200]
            if len(self.funded) == len(ids):
                break
            await asyncio.sleep(0.5)
        if not self.funded or self.stats.errors:
            raise RuntimeError(f"preparation failed: funded={self.funded} errors={self.stats.error_samples}")

    async def one(self) -> None:
        roll = self.rng.randrange(sum(READS.values()) + WRITE_WEIGHT)
        for endpoint, weight in READS.items():
            if roll < weight:
                return await self.read(endpoint)
            roll -= weight
        await self.write()

    async def phase(self, rate: float, duration: float, at_half=None) -> dict[str, float]:
        """Send at ``rate`` per second for ``duration`` seconds (open loop); wait for the stragglers."""
        loop = asyncio.get_running_loop()
        in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        tasks: set[asyncio.Task] = set()
        start = loop.time()
        n, half_done = 0, False

        async def run_one():
            try:
                await self.one()
            except Exception as exc:  # noqa: BLE001 - a bug in the load client must show, not hang the run
                self.stats.error(f"client: {type(exc).__name__}: {exc}")
            finally:
                in_flight.release()

        while (due := start + n / rate) < start + duration:
            await asyncio.sleep(max(0.0, due - loop.time()))
            if at_half and not half_done and loop.time() - start >= duration / 2:
                at_half()
                half_done = True
            await in_flight.acquire()
            task = asyncio.create_task(run_one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        sent_for = loop.time() - start
        if tasks:
            await asyncio.wait(tasks, timeout=60)
        return {"scheduled": n, "seconds": sent_for}


async def run_load_async(urls: dict[str, str], pids: dict[str, int], rate: float = 30.0, duration: float = 180.0,
                         warmup: float = 20.0, secret: str = TEST_SECRET, seed: int = 7) -> dict[str, Any]:
    load = Load(urls, secret, seed)
    try:
        await load.prepare()
        await load.phase(rate, warmup)
        warmup_errors = list(load.stats.error_samples)
        warmup_error_count = load.stats.errors
        load.stats = Stats()
        rss: dict[str, dict[str, int]] = {name: {"start": rss_kib(pid)} for name, pid in pids.items()}

        def middle():
            for name, pid in pids.items():
                rss[name]["middle"] = rss_kib(pid)

        async def sample_peak() -> None:  # every second of the measured phase: each process's highest RSS
            while True:
                for name, pid in pids.items():
                    rss[name]["peak"] = max(rss[name].get("peak", 0), rss_kib(pid))
                await asyncio.sleep(1.0)

        sampler = asyncio.create_task(sample_peak())
        t0 = time.monotonic()
        try:
            sched = await load.phase(rate, duration, at_half=middle)
        finally:
            sampler.cancel()
        elapsed = time.monotonic() - t0
        for name, pid in pids.items():
            rss[name]["end"] = rss_kib(pid)
            rss[name].setdefault("middle", rss[name]["end"])
            rss[name]["peak"] = max(rss[name].get("peak", 0), rss[name]["end"])
    finally:
        await load.client.aclose()
    s = load.stats
    latency = {}
    for endpoint, values in sorted(s.latencies.items()):
        values.sort()
        latency[endpoint] = {"n": len(values), **{f"p{q}": round(percentile(values, q / 100) * 1000, 1)
                                                  for q in (50, 95, 99)}}
    return {"rate_target": rate, "duration_s": duration, "warmup_s": warmup, "sent": s.sent, "errors": s.errors,
            "error_samples": s.error_samples, "warmup_errors": warmup_error_count,
            "warmup_error_samples": warmup_errors, "projection_lag_retries": s.lag_retries,
            "achieved_rate": round(sched["scheduled"] / sched["seconds"], 2),
            "completed_rate": round(s.sent / elapsed, 2), "latency_ms": latency, "rss_kib": rss}


def run_load(urls: dict[str, str], pids: dict[str, int], rate: float = 30.0, duration: float = 180.0,
             **kwargs: Any) -> dict[str, Any]:
    """Warm up, then load the platform at ``rate`` req/s for ``duration`` s; the figures as a dict."""
    return asyncio.run(run_load_async(urls, pids, rate, duration, **kwargs))


def community_body(street: str) -> dict[str, Any]:
    return {"street_code": street, "name": f"负载社区{uuid.uuid4().hex[:6]}", "area_ha": 20.0, "population": 9000,
            "households": 3200, "elderly_share": 0.22, "children_share": 0.12, "needs": "养老、托育、停车",
            "features": "老旧小区连片", "spatial_resources": "闲置厂房一处", "location": {"lat": 30.27, "lon": 120.15}}


def report(figures: dict[str, Any]) -> str:
    lines = [f"target {figures['rate_target']} req/s for {figures['duration_s']} s (after {figures['warmup_s']} s warm-up)",
             f"requests sent: {figures['sent']}   errors: {figures['errors']}   warm-up errors: {figures['warmup_errors']}"
             f"   projection-lag retries: {figures['projection_lag_retries']}",
             f"achieved rate: {figures['achieved_rate']} req/s scheduled, {figures['completed_rate']} req/s sent",
             "latency (ms)                                            n      p50     p95     p99"]
    for endpoint, f in figures["latency_ms"].items():
        lines.append(f"  {endpoint:<52}{f['n']:>5} {f['p50']:>8} {f['p95']:>7} {f['p99']:>7}")
    lines.append("RSS (MiB)        start   middle     end    peak")
    for name, r in figures["rss_kib"].items():
        lines.append(f"  {name:<12}{r['start'] / 1024:>9.1f}{r['middle'] / 1024:>9.1f}{r['end'] / 1024:>8.1f}"
                     f"{r['peak'] / 1024:>8.1f}")
    for sample in figures["error_samples"] + figures["warmup_error_samples"]:
        lines.append(f"  error: {sample}")
    return "\n".join(lines)


def main() -> int:
    from fc_devtools.testing import Broker, drop_platform_databases, make_platform

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fc-load-") as tmp:
        workdir = Path(tmp)
        broker = Broker(workdir)
        broker.start()
        env = {"FC_JWT_SECRET": TEST_SECRET, "FC_KAFKA_BOOTSTRAP": broker.bootstrap, "FC_SAMPLE_DATA": "0",
               "FC_ENV": "development", "FC_LOG_LEVEL": "WARNING"}
        platform = make_platform(ROOT, workdir, broker, env)
        try:
            platform.start()
            urls = {name: svc.url for name, svc in platform.services.items()}
            pids = {name: svc.proc.pid for name, svc in platform.services.items()}
            figures = run_load(urls, pids, args.rate, args.duration, warmup=args.warmup)
        finally:
            platform.stop()
            drop_platform_databases(platform)
            broker.kill()
    print(report(figures))
    for name, r in figures["rss_kib"].items():
        print(f"figure: rss_{name} {r['peak'] / 1024:.1f} MiB (highest of one sample a second over the measured "
              f"{args.duration:g} s at {args.rate:g} req/s; at its end {r['end'] / 1024:.1f} MiB)")
    print(f"figure: rss_reference_target {RSS_TARGET_MIB:.0f} MiB per service (issue 15 target, 150 MB; not measured)")
    worst = max(r["peak"] for r in figures["rss_kib"].values()) / 1024
    print(f"figure: rss_ratio {worst / RSS_TARGET_MIB:.2f} of target (the highest service's peak; ≤ 1 meets it)")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 1 if figures["errors"] or figures["warmup_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
