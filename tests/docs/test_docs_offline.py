"""Every service's /docs renders in a real browser that can reach nothing but loopback (issue 17).

Chromium sends every request off loopback to a dead-end proxy on loopback that records it
and answers 502, so a page that needs the internet renders blank here, exactly as on a
district intranet, and whatever it tried to fetch is listed.
"""
from __future__ import annotations

import importlib
import json
import re
import sys
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from fc_devtools.testing import SERVICE_MODULES, auth, token

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import DevToolsPage, dump_dom  # noqa: E402

pytestmark = pytest.mark.e2e

# One operation per service whose path must appear in the rendered operations list.
KNOWN_OPERATION = {"registry": "/api/v1/streets", "funding": "/api/v1/entries",
                   "inspection": "/api/v1/acceptances", "notify": "/api/v1/subscriptions"}

OUTSIDE_PAGE = b"""<!doctype html><html><head>
<script src="http://assets.outside.test/app.js"></script>
<link rel="stylesheet" href="https://cdn.outside.test/site.css">
</head><body><p id="marker">served from loopback</p></body></html>"""


@pytest.fixture
def outside_referencing_page():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(OUTSIDE_PAGE)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_browser_reaches_loopback_and_nothing_else(proxy, outside_referencing_page):
    dom = dump_dom(proxy, outside_referencing_page, budget_ms=5000)
    assert "served from loopback" in dom
    tried = proxy.from_pages()
    assert any(line.startswith("GET http://assets.outside.test/app.js ") for line in tried), tried
    assert any(line.startswith("CONNECT cdn.outside.test:443 ") for line in tried), tried
    assert not any("127.0.0.1" in line for line in proxy.seen()), "loopback must not go through the proxy"


@pytest.mark.parametrize("service", list(SERVICE_MODULES))
def test_docs_render_offline(platform, proxy, service):
    dom = dump_dom(proxy, platform.url(service) + "/docs")
    assert proxy.from_pages() == [], "the docs page tried to reach another host"
    rendered = re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', dom)
    assert KNOWN_OPERATION[service] in rendered, f"operations list not rendered; got {rendered[:5]}"
    assert "/api/v1/admin/outbox/republish" in rendered
    assert 'class="btn authorize' in dom, "no Authorize button"
    assert "make token ROLE=district_office" in dom, "the development token hint is not on the page"


class _AssetRefs(HTMLParser):
    """Every URL an HTML document makes the browser load or go to."""

    ATTRS = {"src", "href", "srcset", "data", "action", "formaction", "poster", "background", "manifest"}

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in self.ATTRS:
                self.refs += [part.split()[0] for part in value.split(",") if part.strip()] \
                    if name == "srcset" else [value]
            elif name == "style":
                self.refs += _css_urls(value)
            elif tag == "meta" and name == "content" and "url=" in value.lower():
                self.refs.append(value.lower().split("url=", 1)[1])

    def handle_data(self, data):
        self.refs += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    return [m.strip("'\" ") for m in re.findall(r"url\(([^)]*)\)", css)] + \
        [m.strip("'\" ") for m in re.findall(r"@import\s+(['\"][^'\"]+['\"])", css)]


def _outside(base: str, refs: list[str]) -> list[str]:
    origin = urlsplit(base)[:2]
    return [ref for ref in refs
            if not ref.startswith(("data:", "#")) and urlsplit(urljoin(base, ref))[:2] != origin]


def _get_paths(module: str) -> list[str]:
    app = importlib.import_module(module).app
    paths = {route.path for route in app.routes if "GET" in getattr(route, "methods", set())}
    return sorted(re.sub(r"\{[^}]+\}", "1", p) for p in paths)


def test_no_html_served_references_another_origin(platform):
    scanned: list[str] = []
    with httpx.Client(timeout=30, headers=auth("district_office")) as client:
        for service, module in SERVICE_MODULES.items():
            base = platform.url(service)
            for path in [*_get_paths(module), "/no-such-page"]:
                url = base + path
                response = client.get(url)
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                scanned.append(f"{service} {path}")
                parser = _AssetRefs()
                parser.feed(response.text)
                assert not _outside(url, parser.refs), f"{url} loads {_outside(url, parser.refs)}"
                absolute = re.findall(r"https?://[^\s\"'<>)]+", response.text)
                assert not _outside(url, absolute), f"{url} names {_outside(url, absolute)}"
                for ref in parser.refs:
                    if ref.endswith(".css"):
                        css = client.get(urljoin(url, ref)).text
                        assert not _outside(url, _css_urls(css)), f"{ref} loads {_outside(url, _css_urls(css))}"
                csp = response.headers.get("content-security-policy", "")
                assert "script-src 'self'" in csp and "http" not in csp, f"{url}: {csp!r}"
    assert {f"{s} /docs" for s in SERVICE_MODULES} <= set(scanned), scanned



# --- the console: the built single-page app, or the page saying it is not built ---------------------------------

CONSOLE_WEB_DIST = Path(__file__).resolve().parents[2] / "services" / "console" / "web" / "dist"
# Paths the console answers with HTML: the app's own routes (React Router's), and any other path (its fallback).
CONSOLE_PAGES = ["/", "/board", "/projects/1", "/signin", "/no-such-page", "/assets/../index.html"]
# A JavaScript module's static and dynamic imports: import{a}from"./x.js", import "./x.js", import("./x.js").
_JS_IMPORTS = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["']((?:https?:)?//[^"']*|\.{1,2}/[^"']+|/[^"']+)["']""")


def _console_app(web_dir: Path):
    from fc_console.main import create_app
    from fc_console.settings import ConsoleSettings
    from fc_shared.settings import PlatformSettings

    return create_app(ConsoleSettings(web_dir=web_dir, platform=PlatformSettings(env="development")))


async def _console_html_is_same_origin(web_dir: Path) -> tuple[list[str], set[str]]:
    """Fetch every console page, check it as the services' pages are checked, and follow its JS and CSS (and the
    JS modules those import) to check they are served by the console too. Returns the pages and assets scanned."""
    from fc_devtools.testing import app_client

    base = "http://console.test"
    scanned: list[str] = []
    followed: set[str] = set()
    app = _console_app(web_dir)
    async with app_client(app, base_url=base) as client:
        for path in CONSOLE_PAGES:
            url = base + path
            response = await client.get(url)
            assert response.headers.get("content-type", "").startswith("text/html"), (path, response.headers)
            scanned.append(path)
            parser = _AssetRefs()
            parser.feed(response.text)
            assert not _outside(url, parser.refs), f"{path} loads {_outside(url, parser.refs)}"
            absolute = re.findall(r"https?://[^\s\"'<>)]+", response.text)
            assert not _outside(url, absolute), f"{path} names {_outside(url, absolute)}"
            csp = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in csp and "http" not in csp, f"{path}: {csp!r}"
            pending = [urljoin(url, ref) for ref in parser.refs if not ref.startswith(("data:", "#"))]
            seen: set[str] = set()
            while pending:
                asset = pending.pop()
                if asset in seen:
                    continue
                seen.add(asset)
                got = await client.get(asset)
                assert got.status_code == 200, f"{path} references {asset}, which the console does not serve"
                if asset.endswith(".css"):
                    refs = _css_urls(got.text)
                    assert not _outside(asset, refs), f"{asset} loads {_outside(asset, refs)}"
                    pending += [urljoin(asset, r) for r in refs if not r.startswith("data:")]
                elif asset.endswith((".js", ".mjs")):
                    refs = _JS_IMPORTS.findall(got.text)
                    assert not _outside(asset, refs), f"{asset} imports {_outside(asset, refs)}"
                    pending += [urljoin(asset, r) for r in refs]
            followed |= seen
    return scanned, followed


async def test_the_console_page_when_its_front_end_is_not_built_references_no_other_origin(tmp_path):
    from fc_console.main import NOT_BUILT

    from fc_devtools.testing import app_client

    assert await _console_html_is_same_origin(tmp_path) == (CONSOLE_PAGES, set())
    async with app_client(_console_app(tmp_path)) as client:
        r = await client.get("/board")
    assert r.status_code == 503 and r.text == NOT_BUILT  # the page checked above is the not-built page


async def test_the_built_console_references_no_other_origin():
    index = CONSOLE_WEB_DIST / "index.html"
    if not index.is_file():
        pytest.skip("the console's front end is not built here (make install builds it; CI does)")
    pages, assets = await _console_html_is_same_origin(CONSOLE_WEB_DIST)
    assert pages == CONSOLE_PAGES
    # The scan followed the bundle itself: the entry module, its stylesheet, and the modules it imports.
    bundle = {urlsplit(a).path for a in assets}
    assert any(p.endswith(".css") for p in bundle) and sum(p.endswith(".js") for p in bundle) >= 2, bundle


# Drives the page as a person would: Authorize with a bearer token, then "Try it out" on a list.
AUTHORIZE_AND_TRY = """
(async () => {
  const waitFor = async (find, what) => {
    for (const end = Date.now() + 30000; Date.now() < end; await new Promise(r => setTimeout(r, 100))) {
      const found = find();
      if (found) return found;
    }
    throw new Error("timed out waiting for " + what);
  };
  const setValue = (input, value) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
    input.dispatchEvent(new Event("input", {bubbles: true}));
  };
  (await waitFor(() => document.querySelector(".btn.authorize"), "the Authorize button")).click();
  setValue(await waitFor(() => document.querySelector("input[aria-label='auth-bearer-value']"), "the token field"),
           TOKEN);
  document.querySelector(".modal-btn.auth.authorize").click();
  (await waitFor(() => document.querySelector(".btn-done"), "the close button")).click();
  const op = await waitFor(() => [...document.querySelectorAll(".opblock-get")].find(
    b => b.querySelector(".opblock-summary-path")?.dataset.path === PATH), "the operation");
  op.querySelector(".opblock-summary-control").click();
  (await waitFor(() => op.querySelector(".try-out__btn"), "Try it out")).click();
  (await waitFor(() => op.querySelector(".btn.execute"), "Execute")).click();
  const status = await waitFor(() => op.querySelector(".live-responses-table tbody .response-col_status"), "a response");
  return {status: status.textContent.trim(), curl: op.querySelector(".curl")?.textContent || ""};
})()
"""


def test_authorize_then_try_it_out_calls_the_api_with_the_token(platform, proxy):
    bearer = token("district_office")
    script = AUTHORIZE_AND_TRY.replace("TOKEN", json.dumps(bearer)).replace("PATH", json.dumps("/api/v1/streets"))
    with DevToolsPage(proxy, platform.url("registry") + "/docs") as page:
        result = page.evaluate(script)
    assert result["status"].startswith("200"), result
    assert f"Authorization: Bearer {bearer}" in result["curl"], result["curl"]
    assert proxy.from_pages() == []
