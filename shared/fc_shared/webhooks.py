"""Standard Webhooks signing and verification (https://www.standardwebhooks.com/)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

TOLERANCE_S = 5 * 60


class SignatureError(Exception):
    pass


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise SignatureError("secret is not base64") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures: during a secret rotation both secrets sign."""
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_)


def headers_for(secrets_: list[str], msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature_header(secrets_, msg_id, ts, body),
        "content-type": "application/json",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None,
           tolerance_s: int = TOLERANCE_S) -> str:
    """Check id, timestamp and signature; return the message id. Raises SignatureError."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, ts, sigs = lower.get("webhook-id"), lower.get("webhook-timestamp"), lower.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        raise SignatureError("missing webhook headers")
    try:
        timestamp = int(ts)
    except ValueError as exc:
        raise SignatureError("bad timestamp") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureError("timestamp outside tolerance")
    expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
    for candidate in sigs.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id
    raise SignatureError("no matching signature")
