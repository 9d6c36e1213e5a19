import time

import pytest
from standardwebhooks.webhooks import Webhook

from fc_shared import webhooks


def test_our_signature_verifies_with_the_standard_library():
    secret = webhooks.new_secret()
    body = b'{"hello":"world"}'
    headers = webhooks.headers_for([secret], "msg_1", body)
    assert Webhook(secret).verify(body, headers) == {"hello": "world"}


def test_rotation_signs_with_both_secrets():
    old, new = webhooks.new_secret(), webhooks.new_secret()
    body = b"{}"
    headers = webhooks.headers_for([old, new], "msg_2", body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_verify_refuses_bad_signature_and_stale_timestamp():
    secret = webhooks.new_secret()
    body = b"{}"
    good = webhooks.headers_for([secret], "m", body)
    assert webhooks.verify(secret, good, body) == "m"
    with pytest.raises(webhooks.SignatureError):
        webhooks.verify(webhooks.new_secret(), good, body)
    with pytest.raises(webhooks.SignatureError):
        webhooks.verify(secret, good, b'{"tampered":1}')
    stale = webhooks.headers_for([secret], "m", body, timestamp=int(time.time()) - 3600)
    with pytest.raises(webhooks.SignatureError, match="tolerance"):
        webhooks.verify(secret, stale, body)
    with pytest.raises(webhooks.SignatureError, match="missing"):
        webhooks.verify(secret, {}, body)
