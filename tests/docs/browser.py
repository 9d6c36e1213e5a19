"""Headless Debian Chromium with every request off loopback sent to a dead-end proxy that records it."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("FC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
         "--force-webrtc-ip-handling-policy=disable_non_proxied_udp", "--hide-scrollbars",
         "--disable-client-side-phishing-detection", "--disable-domain-reliability", "--no-pings",
         "--safebrowsing-disable-auto-update", "--metrics-recording-only", "--disable-breakpad",
         "--disable-features=OptimizationHints,OptimizationGuideModelDownloading,OptimizationHintsFetching,"
         "NetworkTimeServiceQuerying,MediaRouter,AutofillServerCommunication,Translate,HttpsUpgrades,"
         "CertificateTransparencyComponentUpdater"]
# Chromium's own background calls (component updates, network time, sign-in), which no flag fully
# silences in headless mode: they reach the dead-end proxy like anything else, but no page made them.
CHROMIUM_OWN_HOSTS = frozenset({"update.googleapis.com", "accounts.google.com", "clients2.google.com",
                                "optimizationguide-pa.googleapis.com"})


def request_host(request_line: str) -> str:
    """``CONNECT host:443 HTTP/1.1`` or ``GET http://host/path HTTP/1.1`` -> ``host``."""
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    if parts and parts[0] == "CONNECT":
        return target.rsplit(":", 1)[0]
    return urlsplit(target).hostname or ""


def chromium_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


class DeadEndProxy:
    """A loopback HTTP proxy that forwards nothing: it records each request line and answers 502.

    Chromium sends loopback requests directly and everything else here, so a page that tries
    to reach another host shows up in ``requests`` instead of on the network.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            line = data.split(b"\r\n", 1)[0].decode("latin-1")
            if line:
                with self._lock:
                    self.requests.append(line)
            try:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass

    def seen(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def from_pages(self) -> list[str]:
        """The requests a page made (everything but Chromium's own background calls)."""
        return [line for line in self.seen() if request_host(line) not in CHROMIUM_OWN_HOSTS]

    def close(self) -> None:
        self._sock.close()


def chromium(proxy: DeadEndProxy, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """Run Chromium once with a fresh profile and the network limited to loopback."""
    exe = chromium_path()
    assert exe, "chromium is not installed (apt-get install -y chromium)"
    with tempfile.TemporaryDirectory(prefix="fc-chromium-") as profile:
        argv = [exe, *FLAGS, f"--user-data-dir={profile}", f"--proxy-server=http://127.0.0.1:{proxy.port}",
                # A second fence: no name resolves but loopback's, should anything skip the proxy.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1", *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def dump_dom(proxy: DeadEndProxy, url: str, budget_ms: int = 15000) -> str:
    done = chromium(proxy, f"--virtual-time-budget={budget_ms}", "--dump-dom", url)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-3000:]}"
    return done.stdout


def screenshot(proxy: DeadEndProxy, url: str, path: Path, size: str = "1280,1600", budget_ms: int = 15000) -> None:
    done = chromium(proxy, f"--virtual-time-budget={budget_ms}", f"--window-size={size}",
                    f"--screenshot={path}", url)
    assert done.returncode == 0 and path.exists(), f"chromium failed ({done.returncode}): {done.stderr[-3000:]}"


class DevToolsPage:
    """One Chromium page driven over the DevTools protocol (loopback only), for clicking through a UI."""

    def __init__(self, proxy: DeadEndProxy, url: str) -> None:
        exe = chromium_path()
        assert exe, "chromium is not installed (apt-get install -y chromium)"
        self.url = url
        self._profile = tempfile.TemporaryDirectory(prefix="fc-chromium-")
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self._profile.name}", f"--proxy-server=http://127.0.0.1:{proxy.port}",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1280,1200", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._stack = contextlib.ExitStack()
        self._ws = None
        self._next_id = 0

    def __enter__(self) -> "DevToolsPage":
        import httpx
        from websockets.sync.client import connect

        from fc_devtools.testing import wait_until

        port_file = Path(self._profile.name) / "DevToolsActivePort"
        wait_until(lambda: port_file.exists() and port_file.read_text().strip(), timeout=30,
                   message="chromium's DevTools port")
        port = int(port_file.read_text().split()[0])

        def page_target():
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
            return next((t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page"), None)

        self._ws = self._stack.enter_context(
            connect(wait_until(page_target, timeout=30, message="chromium's page"), max_size=None))

        def loaded():
            try:
                return self.evaluate("location.href + ' ' + document.readyState") == f"{self.url} complete"
            except AssertionError:  # navigation still under way: "Execution context was destroyed"
                return False
        wait_until(loaded, timeout=30, message=f"{self.url} loaded")
        return self

    def evaluate(self, expression: str, timeout: float = 60):
        """Run ``expression`` (may be an async function body's result, a Promise) and return its value."""
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": "Runtime.evaluate", "params": {
            "expression": expression, "awaitPromise": True, "returnByValue": True}}))
        while True:
            message = json.loads(self._ws.recv(timeout=timeout))
            if message.get("id") == self._next_id:
                assert "result" in message, message
                result = message["result"]
                assert "exceptionDetails" not in result, result["exceptionDetails"]
                return result["result"].get("value")

    def __exit__(self, *exc) -> None:
        self._stack.close()
        os.killpg(self.proc.pid, signal.SIGKILL)  # the browser and its zygote and renderers
        self.proc.wait(10)
        self._profile.cleanup()
