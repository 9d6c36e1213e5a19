"""The production sign-in path: RS256 tokens checked against a JWKS served by a real local HTTP server.

Keys are generated here; the server counts every fetch, can rotate its keys, answer slowly
or never. Nothing leaves loopback.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Annotated

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm

from fc_shared.auth import Principal, TokenVerifier, require
from fc_shared.errors import Problem, install_problem_handlers
from fc_shared.settings import PlatformSettings

AUDIENCE = "fc-platform"
ISSUER = "https://sso.example.test/realms/district"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key, kid: str, alg: str | None = "RS256") -> dict:
    data = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    data.update({"kid": kid, "use": "sig"})
    if alg:
        data["alg"] = alg
    return data


def sign(private_key, kid: str | None, alg: str = "RS256", **claims) -> str:
    now = int(time.time())
    body = {"sub": "u1", "role": "district_office", "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + 600,
            **claims}
    return jwt.encode(body, private_key, algorithm=alg, headers={"kid": kid} if kid else None)


class JwksServer:
    """A JWKS endpoint on loopback: ``keys`` is what it publishes, ``hits`` how often it was fetched."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.hits = 0
        self.delay_s = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                server.hits += 1
                if server.delay_s:
                    time.sleep(server.delay_s)  # the slow provider under test
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/realms/district/certs"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks():
    server = JwksServer()
    yield server
    server.stop()


def verifier_for(url: str, **overrides) -> TokenVerifier:
    settings = PlatformSettings(env="production", jwt_jwks_url=url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
                                **{"jwt_jwks_timeout_s": 1.0, "jwt_jwks_min_refresh_s": 60.0, **overrides})
    return TokenVerifier(settings)


async def test_a_valid_rs256_token_is_accepted_and_the_keys_are_cached(jwks):
    key = new_key()
    jwks.keys = [jwk(key, "k1")]
    verifier = verifier_for(jwks.url)
    principal = await verifier.verify(sign(key, "k1", role="street", street_code="S01"))
    assert (principal.role, principal.street_code) == ("street", "S01")
    await verifier.verify(sign(key, "k1"))
    assert jwks.hits == 1


async def test_an_unknown_kid_refetches_once_then_is_401(jwks):
    key, stranger = new_key(), new_key()
    jwks.keys = [jwk(key, "k1")]
    verifier = verifier_for(jwks.url)
    await verifier.verify(sign(key, "k1"))
    with pytest.raises(Problem) as info:
        await verifier.verify(sign(stranger, "nobody-knows"))
    assert info.value.status == 401
    assert jwks.hits == 2  # the first fetch, and one refetch for the unknown kid
    # More invented kids within the refresh interval do not make us fetch again.
    for n in range(5):
        with pytest.raises(Problem) as info:
            await verifier.verify(sign(stranger, f"invented-{n}"))
        assert info.value.status == 401
    assert jwks.hits == 2


async def test_key_rotation_fetches_the_new_kid_once_and_caches_it(jwks):
    old, new = new_key(), new_key()
    jwks.keys = [jwk(old, "2026-old")]
    verifier = verifier_for(jwks.url)
    await verifier.verify(sign(old, "2026-old"))
    jwks.keys = [jwk(old, "2026-old"), jwk(new, "2026-new")]  # the provider rotates
    for _ in range(3):
        assert (await verifier.verify(sign(new, "2026-new"))).role == "district_office"
    assert (await verifier.verify(sign(old, "2026-old"))).role == "district_office"
    assert jwks.hits == 2


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256"])
async def test_an_algorithm_the_jwks_does_not_allow_is_401(jwks, alg):
    key = new_key()
    jwks.keys = [jwk(key, "k1")]
    verifier = verifier_for(jwks.url)
    with pytest.raises(Problem) as info:
        await verifier.verify(sign(key, "k1", alg=alg))
    assert info.value.status == 401


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_hs256_signed_with_the_public_key_or_unsigned_is_401(jwks):
    key = new_key()
    jwks.keys = [jwk(key, "k1")]
    verifier = verifier_for(jwks.url)
    now = int(time.time())
    claims = {"sub": "u", "role": "district_office", "aud": AUDIENCE, "iss": ISSUER, "exp": now + 600}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    # The classic confusion: the RSA public key used as an HMAC secret (built by hand: PyJWT refuses to).
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = _b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode()) + "." + \
        _b64(json.dumps(claims).encode())
    confused = signing_input + "." + _b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    for token in (unsigned, confused):
        with pytest.raises(Problem) as info:
            await verifier.verify(token)
        assert info.value.status == 401
    assert jwks.hits == 0  # refused on the header alone


async def test_a_key_published_for_another_algorithm_is_not_used_for_rs256(jwks):
    key = new_key()
    jwks.keys = [jwk(key, "k1", alg="RS512")]
    verifier = verifier_for(jwks.url)
    with pytest.raises(Problem) as info:
        await verifier.verify(sign(key, "k1", alg="RS256"))
    assert info.value.status == 401


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_unreachable_jwks_is_a_quick_503_and_never_a_hang():
    verifier = verifier_for(f"http://127.0.0.1:{_closed_port()}/certs")
    key = new_key()
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(Problem) as info:
            await verifier.verify(sign(key, "k1"))
        assert info.value.status == 503 and info.value.type_ == "jwks-unavailable"
    assert time.monotonic() - started < 3
    assert verifier.jwks.fetches == 1  # a failed fetch is retried after the refresh interval, not per request


async def test_a_jwks_that_accepts_and_never_answers_times_out_within_the_bound():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (the kernel's backlog) and never answers
    try:
        verifier = verifier_for(f"http://127.0.0.1:{listener.getsockname()[1]}/certs", jwt_jwks_timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(Problem) as info:
            await verifier.verify(sign(new_key(), "k1"))
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert info.value.status == 503
    assert 0.4 < elapsed < 3, elapsed


async def test_the_key_fetch_does_not_block_the_event_loop_and_is_single_flight(jwks):
    key = new_key()
    jwks.keys = [jwk(key, "k1")]
    jwks.delay_s = 0.5
    verifier = verifier_for(jwks.url)
    ticks = 0
    done = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    tick_task = asyncio.create_task(ticker())
    principals = await asyncio.gather(*(verifier.verify(sign(key, "k1", sub=f"u{n}")) for n in range(20)))
    done.set()
    await tick_task
    assert {p.sub for p in principals} == {f"u{n}" for n in range(20)}
    assert jwks.hits == 1  # twenty requests on a cold cache, one fetch
    assert ticks >= 20  # the loop kept running while the provider took half a second


async def test_through_the_api_a_bad_token_is_a_401_problem_and_a_dead_provider_a_503_problem(jwks):
    key = new_key()
    jwks.keys = [jwk(key, "k1")]
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/api/v1/me")
    async def me(principal: Annotated[Principal, require("district_office")]) -> dict:
        return {"sub": principal.sub}

    app.state.runtime = SimpleNamespace(verifier=verifier_for(jwks.url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ok = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {sign(key, 'k1')}"})
        assert ok.status_code == 200 and ok.json() == {"sub": "u1"}
        bad = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {sign(new_key(), 'k9')}"})
        assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["type"].endswith("/invalid-token")

        app.state.runtime = SimpleNamespace(verifier=verifier_for(f"http://127.0.0.1:{_closed_port()}/certs"))
        down = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {sign(key, 'k1')}"})
        assert down.status_code == 503 and down.headers["content-type"] == "application/problem+json"
        assert down.json()["type"].endswith("/jwks-unavailable") and down.headers["retry-after"]
