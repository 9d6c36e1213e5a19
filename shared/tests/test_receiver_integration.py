"""The tests' webhook receiver (fc_devtools.testing.Receiver) on loopback: what it records is what arrived whole."""
import socket

import httpx

from fc_devtools.testing import async_wait_until


def _post_cut_short(port: int, path: str) -> None:
    """A sender killed mid-body: it announces 100 bytes, sends 10 and is gone."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".encode() + b'{"id": "ab')
        s.shutdown(socket.SHUT_WR)
        s.settimeout(30)
        while s.recv(1024):  # until the receiver has handled the request and closed the connection
            pass


async def test_a_request_cut_short_is_not_recorded_and_a_whole_one_is(receiver):
    _post_cut_short(receiver.port, "/cut")
    r = httpx.post(receiver.url("/whole"), content=b'{"id": "c"}')
    assert r.status_code == 200
    await async_wait_until(lambda: receiver.received("/whole"), message="the whole request recorded")
    assert [x["body"] for x in receiver.received("/whole")] == [b'{"id": "c"}']
    assert receiver.received("/cut", ok_only=False) == []
