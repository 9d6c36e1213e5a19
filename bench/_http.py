"""A minimal HTTP/1.1 keep-alive server on loopback for the benches' webhook receivers (their own process).

Lean on purpose: a receiver must cost far less than the sender it measures. ``respond(request_line, headers,
body)`` returns the response body (headers lower-cased); every answer is ``200 OK``.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

Respond = Callable[[str, dict[str, str], bytes], bytes]


async def serve_keepalive(port: int, respond: Respond) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                out = respond(lines[0], headers, body)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(out), out))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()
