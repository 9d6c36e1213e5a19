"""SSRF policy: which addresses an outgoing request may reach. No connection is opened here at all:
names come from a stubbed resolver and the inner transport is httpx's MockTransport."""
import ipaddress

import httpx
import pytest

from fc_shared.netpolicy import (LOOPBACK, AddressPolicy, AddressRefused, EndpointGuard, GuardedTransport,
                                 StaticResolver, parse_networks)

PRODUCTION = AddressPolicy()
DEVELOPMENT = AddressPolicy(parse_networks(LOOPBACK))


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fd12:3456::1", "private"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"), ("100.100.100.200", "metadata"),
    ("::ffff:127.0.0.1", "IPv4-mapped"), ("::ffff:10.0.0.1", "IPv4-mapped"), ("::ffff:8.8.8.8", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "metadata"),
    ("2002:7f00:1::", "6to4"),  # 6to4 wrapping 127.0.0.1
    ("100.64.0.1", "reserved"), ("192.0.2.1", "private"), ("240.0.0.1", "private"),  # as IANA registers them
])
def test_inside_addresses_are_refused(address, kind):
    reason = PRODUCTION.refusal(ipaddress.ip_address(address))
    assert reason and kind in reason, (address, reason)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888"])
def test_public_addresses_pass(address):
    assert PRODUCTION.refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_permits_its_ranges_only_and_never_metadata():
    assert DEVELOPMENT.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert DEVELOPMENT.refusal(ipaddress.ip_address("::1")) is None
    assert "private" in DEVELOPMENT.refusal(ipaddress.ip_address("10.0.0.1"))
    wide = AddressPolicy(parse_networks(["169.254.0.0/16", "fd00::/8", "10.0.0.0/8"]))
    assert wide.refusal(ipaddress.ip_address("169.254.7.7")) is None
    assert wide.refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert "metadata" in wide.refusal(ipaddress.ip_address("169.254.169.254"))
    assert "metadata" in wide.refusal(ipaddress.ip_address("fd00:ec2::254"))


class CountingResolver(StaticResolver):
    def __init__(self, hosts):
        super().__init__(hosts)
        self.asked: list[str] = []

    async def resolve(self, host, port):
        self.asked.append(host)
        return await super().resolve(host, port)


async def test_a_name_resolving_inside_is_refused_and_every_answer_must_pass():
    resolver = CountingResolver({"loopy.example": ["127.0.0.1"], "mixed.example": ["8.8.8.8", "10.0.0.5"],
                                 "public.example": ["8.8.8.8"], "mapped.example": ["::ffff:127.0.0.1"]})
    guard = EndpointGuard(PRODUCTION, resolver)
    for url, needle in [("https://loopy.example/hook", "resolves to 127.0.0.1, a loopback address"),
                        ("https://mixed.example/hook", "resolves to 10.0.0.5, a private address"),
                        ("https://mapped.example/hook", "IPv4-mapped"),
                        ("https://nowhere.example/hook", "does not resolve"),
                        ("http://[::ffff:127.0.0.1]:8080/hook", "IPv4-mapped"),
                        ("http://169.254.169.254/latest/meta-data/", "metadata"),
                        ("http://[fd00:ec2::254]/latest/meta-data/", "metadata")]:
        with pytest.raises(AddressRefused, match=needle.replace(".", r"\.").replace("(", r"\(")):
            await guard.destination(url)
    target = await guard.destination("https://public.example:8443/hook")
    assert (target.host, target.port, str(target.address)) == ("public.example", 8443, "8.8.8.8")
    assert "169.254.169.254" not in resolver.asked and "::ffff:127.0.0.1" not in resolver.asked  # literals: no lookup


async def test_the_transport_connects_to_the_checked_address_and_keeps_host_and_sni():
    seen: list[httpx.Request] = []

    def inner(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    resolver = StaticResolver({"partner.example": ["127.0.0.1"]})
    transport = GuardedTransport(EndpointGuard(DEVELOPMENT, resolver), httpx.MockTransport(inner))
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.post("https://partner.example:9443/hook", content=b"{}")).status_code == 204
    [request] = seen
    assert request.url.host == "127.0.0.1" and request.url.port == 9443
    assert request.headers["host"] == "partner.example:9443"
    assert request.extensions["sni_hostname"] == "partner.example"


async def test_the_transport_refuses_before_any_connection():
    calls = []
    transport = GuardedTransport(EndpointGuard(PRODUCTION, StaticResolver({"rebound.example": ["127.0.0.1"]})),
                                 httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200)))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(AddressRefused, match="loopback"):
            await client.post("http://rebound.example/hook", content=b"{}")
        with pytest.raises(httpx.TransportError):  # send_webhook records it as a failed attempt
            await client.post("http://10.1.2.3/hook", content=b"{}")
    assert calls == []
