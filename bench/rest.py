"""REST reads: registry against a bare FastAPI app serving the same JSON, same uvicorn settings, same run.

    .venv/bin/python bench/rest.py [--duration 8] [--clients 16] [--paced 3] [--client raw|httpx] [--profile DIR]

Starts the local broker and registry as a real uvicorn process (SQLite in a temporary directory, its relay
and jobs running as under ``make run``), loads the sample district through the public API
(tools/sample_data.py, what ``make run`` loads with ``FC_SAMPLE_DATA=1``) and fetches the two bodies once
with a district office token: ``GET /api/v1/projects/{id}`` (an approved project) and ``GET /api/v1/board``
(all 17 rows). The reference is a second uvicorn process started the same way (``fc_devtools.serve``, the
same options): a bare FastAPI app whose two routes return those bodies as plain ``dict``/``list`` values,
FastAPI's own way (no auth, no database, no middleware).

Each endpoint is measured closed-loop: ``--clients`` keep-alive connections, each sending the next request
as soon as its answer is in (a minimal asyncio HTTP/1.1 client, so the client costs little of the machine's
CPU; every request carries the same bearer token and every answer must be 200 with the body's length).
The time is split into slices that alternate between reference and registry, so load from other jobs on a
shared machine falls on both alike. Then each is driven open-loop at half the rate registry reached
(requests sent on a fixed schedule over up to 64 connections, latency counted from the scheduled send
time, so a stall counts for every request it delays) for ``--paced`` seconds: the tail at half load.

The database does not change during the run, so registry serves every request but the first of each from
its read cache, in front of its routes (fc_shared.readcache: the data version and the token are still
checked per request), as it would for a console polling an unchanged board; ``FC_READ_CACHE_ENTRIES=0`` in
the environment makes it build each answer.

``--client httpx`` runs the closed loop from ``httpx.AsyncClient`` instead: that client needs several times
the CPU of either server per request and shares the two cores with them, so it caps both rates and the
ratio says more about the client than about registry (likely how the issue's 777 rps reference arose).

Prints ``figure:`` lines: requests/s of each, p50/p99 of each (closed loop and paced), and the ratios.
``--profile DIR`` records registry with py-spy (raw format) during its closed-loop slices of each endpoint.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._proc import cpu_seconds  # noqa: E402

BODIES_ENV = "FC_BENCH_REST_BODIES"
SLICE_S = 2.0
PACED_CONNECTIONS = 64


# --- the reference: a bare FastAPI app, imported by uvicorn as ``rest:app`` ---------------------------

def reference_app():
    from fastapi import FastAPI

    bodies = json.loads(Path(os.environ[BODIES_ENV]).read_text())
    project, board = bodies["project"], bodies["board"]
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/api/v1/projects/{project_id}")
    async def get_project(project_id: str) -> dict:
        return project

    @app.get("/api/v1/board")
    async def get_board() -> dict:
        return board

    return app


app = reference_app() if os.environ.get(BODIES_ENV) else None


# --- the client ------------------------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection; ``get`` sends a prepared request and reads one answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Connection":
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, request: bytes) -> tuple[int, int]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return status, len(body)

    def close(self) -> None:
        self.writer.close()


def request_bytes(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


class Failure(Exception):
    pass


def check(status: int, length: int, expected_length: int, what: str) -> None:
    if status != 200 or length != expected_length:
        raise Failure(f"{what}: status {status}, {length} bytes (expected 200, {expected_length} bytes)")


async def closed_loop(port: int, request: bytes, expected_length: int, clients: int, seconds: float,
                      what: str) -> tuple[int, list[float]]:
    conns = [await Connection.open(port) for _ in range(clients)]
    latencies: list[float] = []
    end = time.perf_counter() + seconds

    async def client(conn: Connection) -> None:
        while (start := time.perf_counter()) < end:
            status, length = await conn.get(request)
            latencies.append(time.perf_counter() - start)
            check(status, length, expected_length, what)

    try:
        await asyncio.gather(*[client(c) for c in conns])
    finally:
        for c in conns:
            c.close()
    return len(latencies), latencies


async def closed_loop_httpx(port: int, path: str, headers: dict[str, str], expected_length: int, clients: int,
                            seconds: float, what: str) -> tuple[int, list[float]]:
    """The same closed loop from ``httpx.AsyncClient`` (``--client httpx``): a client that costs far more CPU
    per request than the servers under test, as a typical Python load script does."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits,
                                 timeout=30, trust_env=False) as client:
        async def one_client() -> None:
            while (start := time.perf_counter()) < end:
                r = await client.get(path)
                latencies.append(time.perf_counter() - start)
                check(r.status_code, len(r.content), expected_length, what)

        await asyncio.gather(*[one_client() for _ in range(clients)])
    return len(latencies), latencies


async def paced(port: int, request: bytes, expected_length: int, rate: float, seconds: float,
                what: str) -> tuple[list[float], float]:
    """Open loop: request i is due at start + i/rate whatever the answers take; latency from its due time."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(16):
        idle.put_nowait(await Connection.open(port))
    opened = idle.qsize()
    latencies: list[float] = []
    late = 0.0
    n = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks = []

    async def one(due: float) -> None:
        nonlocal opened
        if idle.empty() and opened < PACED_CONNECTIONS:
            opened += 1  # more in flight than connections: open another, up to the cap, then queue for one
            conn = await Connection.open(port)
        else:
            conn = await idle.get()
        status, length = await conn.get(request)
        latencies.append(time.perf_counter() - due)
        idle.put_nowait(conn)
        check(status, length, expected_length, what)

    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late = max(late, -delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait().close()
    return latencies, late


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else 0.0


# --- the run ---------------------------------------------------------------------------------------

def fetch_bodies(registry_url: str, headers: dict[str, str]) -> tuple[str, dict]:
    with httpx.Client(timeout=30, headers=headers) as client:
        board = client.get(registry_url + "/api/v1/board").raise_for_status().json()
        approved = [r for r in board["items"] if r["state"] == "approved" and r["next_node"]]
        project_id = approved[0]["project_id"]
        project = client.get(f"{registry_url}/api/v1/projects/{project_id}").raise_for_status().json()
    return project_id, {"project": project, "board": board}


def body_length(port: int, path: str, headers: dict[str, str]) -> int:
    return len(httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=30).raise_for_status().content)


class Profiler:
    def __init__(self, out_dir: Path | None, pid: int) -> None:
        self.out_dir, self.pid = out_dir, pid
        self.proc: subprocess.Popen | None = None
        self.binary = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")

    def start(self, name: str, seconds: float) -> None:
        if self.out_dir is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([self.binary, "record", "-p", str(self.pid), "-d", str(int(seconds) + 1),
                                      "-f", "raw", "-o", str(self.out_dir / f"{name}.txt"), "--nonblocking"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(2)  # SIGINT: py-spy writes what it has
            self.proc.wait(30)
            self.proc = None


async def measure(endpoints: dict[str, str], ports: dict[str, int], pids: dict[str, int], headers: dict[str, str],
                  args, profiler: Profiler) -> dict:
    results: dict = {}
    for name, path in endpoints.items():
        request = request_bytes(path, headers)
        lengths = {side: body_length(port, path, headers) for side, port in ports.items()}
        counts = {side: 0 for side in ports}
        lats: dict[str, list[float]] = {side: [] for side in ports}
        secs = {side: 0.0 for side in ports}
        cpu = {side: 0.0 for side in ports}
        for side, port in ports.items():  # warm-up: connections, caches, the JIT-less interpreter's first paths
            await closed_loop(port, request, lengths[side], args.clients, 0.5, f"{side} {name}")
        slices = max(1, round(args.duration / SLICE_S))
        for i in range(slices):
            for side, port in (ports.items() if i % 2 == 0 else reversed(ports.items())):
                if side == "registry":
                    profiler.start(name, args.duration)
                t0, c0 = time.perf_counter(), cpu_seconds(pids[side])
                if args.client == "httpx":
                    count, lat = await closed_loop_httpx(port, path, headers, lengths[side], args.clients,
                                                         args.duration / slices, f"{side} {name}")
                else:
                    count, lat = await closed_loop(port, request, lengths[side], args.clients,
                                                   args.duration / slices, f"{side} {name}")
                secs[side] += time.perf_counter() - t0
                cpu[side] += cpu_seconds(pids[side]) - c0
                counts[side] += count
                lats[side] += lat
        profiler.stop()
        rps = {side: counts[side] / secs[side] for side in ports}
        rate = rps["registry"] / 2
        paced_lats = {}
        for side, port in ports.items():
            paced_lats[side], late = await paced(port, request, lengths[side], rate, args.paced, f"{side} {name}")
            if late > 0.05:
                print(f"note: the paced client for {side} {name} fell {late * 1000:.0f} ms behind its schedule",
                      file=sys.stderr)
        results[name] = {"rps": rps, "requests": counts,
                         "cpu_ms_per_request": {s: cpu[s] * 1000 / counts[s] for s in ports}, "bytes": lengths, "paced_rate": rate,
                         "p50": {s: percentile(v, 0.50) for s, v in lats.items()},
                         "p99": {s: percentile(v, 0.99) for s, v in lats.items()},
                         "paced_p50": {s: percentile(v, 0.50) for s, v in paced_lats.items()},
                         "paced_p99": {s: percentile(v, 0.99) for s, v in paced_lats.items()}}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0, help="closed-loop seconds per endpoint and side")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--paced", type=float, default=3.0, help="open-loop seconds per endpoint and side")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="closed-loop client: a lean asyncio one (default) or httpx.AsyncClient")
    parser.add_argument("--profile", type=Path, help="record registry with py-spy into this directory")
    args = parser.parse_args()

    from fc_devtools.testing import TEST_SECRET, TEST_TODAY, Broker, ServiceProcess, auth, migrate
    from tools.sample_data import load

    work = Path(tempfile.mkdtemp(prefix="fc-bench-rest-"))
    broker = Broker(work)
    broker.start()
    db = f"sqlite+aiosqlite:///{work / 'registry.db'}"
    env = {"FC_JWT_SECRET": TEST_SECRET, "FC_KAFKA_BOOTSTRAP": broker.bootstrap, "FC_ENV": "development",
           "FC_TODAY": TEST_TODAY.isoformat(), "FC_LOG_LEVEL": "WARNING", "FC_DATA_DIR": str(work),
           "REGISTRY_DATABASE_URL": db}
    registry = ServiceProcess("registry", "fc_registry.main", env, work)
    reference = ServiceProcess("reference", "rest", {BODIES_ENV: str(work / "bodies.json"),
                                                     "PYTHONPATH": str(ROOT / "bench")}, work)
    headers = auth("district_office")
    try:
        migrate(ROOT / "services" / "registry", db)
        registry.start()
        load({"registry": registry.url}, TEST_SECRET, today=TEST_TODAY)
        project_id, bodies = fetch_bodies(registry.url, headers)
        (work / "bodies.json").write_text(json.dumps(bodies, ensure_ascii=False))
        reference.start()
        endpoints = {"project": f"/api/v1/projects/{project_id}", "board": "/api/v1/board"}
        for name, path in endpoints.items():  # the reference serves the very JSON registry serves
            mine = httpx.get(reference.url + path, timeout=30).json()
            if mine != bodies[name]:
                raise SystemExit(f"reference {name} body differs from registry's")
        ports = {"reference": reference.port, "registry": registry.port}
        pids = {"reference": reference.proc.pid, "registry": registry.proc.pid}
        results = asyncio.run(measure(endpoints, ports, pids, headers, args, Profiler(args.profile, registry.proc.pid)))
    finally:
        registry.stop()
        reference.stop()
        broker.kill()
    print(json.dumps({"client": args.client, "clients": args.clients, "seconds_per_side": args.duration, "paced_seconds": args.paced,
                      "cpus": os.cpu_count(), "load_average": os.getloadavg(), **results}))
    for name, r in results.items():
        ref, reg = r["rps"]["reference"], r["rps"]["registry"]
        tag = "" if args.client == "raw" else f"_{args.client}"
        print(f"figure: rest_{name}{tag}_registry {reg:.0f} requests/s ({args.clients} clients, {args.client} client)")
        print(f"figure: rest_{name}{tag}_reference_bare_fastapi {ref:.0f} requests/s "
              f"({args.clients} clients, {args.client} client)")
        print(f"figure: rest_{name}{tag}_ratio {reg / ref:.2f} of reference")
        cpu = r["cpu_ms_per_request"]
        print(f"figure: rest_{name}{tag}_registry_cpu {cpu['registry']:.2f} ms CPU/request")
        print(f"figure: rest_{name}{tag}_reference_cpu {cpu['reference']:.2f} ms CPU/request")
        print(f"figure: rest_{name}{tag}_cpu_ratio {cpu['reference'] / cpu['registry']:.2f} of reference "
              "(reference CPU per request / registry CPU per request: the rate ratio on an idle machine)")
        for side in ("registry", "reference"):
            print(f"figure: rest_{name}{tag}_{side}_p50 {r['p50'][side] * 1000:.1f} ms (closed loop)")
            print(f"figure: rest_{name}{tag}_{side}_p99 {r['p99'][side] * 1000:.1f} ms (closed loop)")
        for side in ("registry", "reference"):
            print(f"figure: rest_{name}{tag}_{side}_paced_p50 {r['paced_p50'][side] * 1000:.1f} ms "
                  f"(open loop at {r['paced_rate']:.0f}/s, half registry's rate)")
            print(f"figure: rest_{name}{tag}_{side}_paced_p99 {r['paced_p99'][side] * 1000:.1f} ms "
                  f"(open loop at {r['paced_rate']:.0f}/s, half registry's rate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
