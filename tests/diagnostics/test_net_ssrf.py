"""Outbound requests: only allow-listed hosts, validated and pinned addresses, no redirects
followed, no proxies, every call bounded in time. Real sockets throughout; only the DNS
resolver is replaced where a hostile DNS answer cannot be produced on this machine."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from diagnostics import net
from diagnostics.net import targets
from tests.diagnostics.netstub import StubServer

PROD = ["api.coinbase.com", "advanced-trade-ws.coinbase.com",
        "advanced-trade-ws-user.coinbase.com"]


@pytest.fixture(scope="module")
def stub():
    server = StubServer()
    server.json("/api/v3/brokerage/time", {"epochSeconds": "1"})
    yield server
    server.stop()


@pytest.fixture
def prod_only(settings):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = list(PROD)
    settings.DIAGNOSTICS_PRIVATE_HOSTS = []
    return settings


def _deadline(seconds: float = 2.0) -> float:
    return time.monotonic() + seconds


def hostile_urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/",
        f"http://127.1:{port}/",
        f"http://2130706433:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://0177.0.0.1:{port}/",
        f"http://0x7f.0.0.1:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        f"http://[::1]:{port}/",
        f"http://0.0.0.0:{port}/",
        f"http://0:{port}/",
        f"http://localhost:{port}/",
        f"http://api.coinbase.com@127.0.0.1:{port}/",
        f"http://127.0.0.1:{port}#@api.coinbase.com/",
        f"http://127.0.0.1:{port}\\@api.coinbase.com/",
        f"http://%31%32%37.0.0.1:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.100.100.200/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://api.coinbase.com.evil.example/",
        "http://evil.example/?host=api.coinbase.com",
        "http://xn--pi-7ba.coinbase.com/",
        "http://\u0430pi.coinbase.com/",
        "http://api.coinbase.com:22/",
        "https://api.coinbase.com:6379/",
        "file:///etc/passwd",
        "gopher://api.coinbase.com/_",
        "ftp://api.coinbase.com/",
        "http:///api.coinbase.com/",
        "http://api.coinbase.com /",
        "http://api.coinbase.com\r\nHost: 127.0.0.1/",
        "//api.coinbase.com/",
        "",
    ]


def test_at_least_twenty_hostile_http_targets_are_refused_before_any_connection(
    prod_only, stub
):
    urls = hostile_urls(stub.port)
    assert len(urls) >= 20
    before = len(stub.requests)
    for url in urls:
        result = net.request("GET", url, deadline=_deadline())
        assert result.status is None, url
        assert result.error_code == "HOST_NOT_ALLOWED", (url, result.error)
        assert result.connect is None, url  # never resolved, never connected
        assert result.exchange.error, url
    assert len(stub.requests) == before


def test_hostile_websocket_targets_are_refused(prod_only, stub):
    for url in hostile_urls(stub.port)[:20] + ["ws://169.254.169.254/", "wss://[::1]/"]:
        ws_url = url.replace("http://", "ws://").replace("https://", "wss://")
        opened = net.open_websocket(ws_url, deadline=_deadline())
        assert opened.connection is None, ws_url
        assert opened.error_code == "HOST_NOT_ALLOWED", ws_url


def _fake_resolver(answers: dict[str, list[str]], calls: list):
    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        found = answers.get(host)
        if found is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = found[min(len(calls), len(found)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.0.0.5", "172.16.3.4", "192.168.0.10", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "fe80::1", "fd00::1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "224.0.0.1",
])
def test_an_allow_listed_name_resolving_to_a_non_public_address_is_refused(
    prod_only, monkeypatch, address
):
    calls: list = []
    monkeypatch.setattr(socket, "getaddrinfo",
                        _fake_resolver({"api.coinbase.com": [address]}, calls))
    result = net.request("GET", "https://api.coinbase.com/api/v3/brokerage/time",
                         deadline=_deadline())
    assert result.error_code == "HOST_NOT_ALLOWED"
    assert "resolves to" in result.error
    assert calls == ["api.coinbase.com"]


def test_one_private_address_among_public_ones_refuses_the_host(prod_only, monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("104.18.35.15", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    result = net.request("GET", "https://api.coinbase.com/", deadline=_deadline())
    assert result.error_code == "HOST_NOT_ALLOWED"


def test_the_validated_address_is_the_one_connected_to_defeating_rebinding(
    settings, monkeypatch, stub
):
    """The resolver answers loopback once, then a metadata address: only the first answer
    is ever used, the request reaches the local server, and DNS is asked exactly once."""
    settings.DIAGNOSTICS_ALLOWED_HOSTS = [f"sandbox.internal:{stub.port}"]
    settings.DIAGNOSTICS_PRIVATE_HOSTS = ["sandbox.internal"]
    calls: list = []
    monkeypatch.setattr(socket, "getaddrinfo", _fake_resolver(
        {"sandbox.internal": ["127.0.0.1", "169.254.169.254"]}, calls))
    before = len(stub.requests)
    result = net.request("GET", f"http://sandbox.internal:{stub.port}/api/v3/brokerage/time",
                         deadline=_deadline())
    assert result.status == 200
    assert calls == ["sandbox.internal"]
    assert result.connect.connected_ip == "127.0.0.1"
    assert stub.requests[before]["headers"]["Host"] == f"sandbox.internal:{stub.port}"


def test_private_host_setting_does_not_extend_to_other_names(settings, monkeypatch):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["sandbox.internal", "other.internal"]
    settings.DIAGNOSTICS_PRIVATE_HOSTS = ["sandbox.internal"]
    monkeypatch.setattr(socket, "getaddrinfo", _fake_resolver(
        {"other.internal": ["10.1.2.3"]}, []))
    result = net.request("GET", "http://other.internal/", deadline=_deadline())
    assert result.error_code == "HOST_NOT_ALLOWED"


@pytest.mark.parametrize("status,location", [
    (301, "http://169.254.169.254/latest/meta-data/"),
    (302, "http://localhost/"),
    (303, "http://127.0.0.1:1/"),
    (307, "http://[::1]/"),
    (308, "http://api.coinbase.com@10.0.0.1/"),
])
def test_redirects_are_reported_and_never_followed(settings, stub, status, location):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    path = f"/redirect-{status}"
    stub.routes[path] = lambda handler: (status, {"Location": location}, b"")
    before = len(stub.requests)
    result = net.request("GET", f"{stub.base_url}{path}", deadline=_deadline())
    assert result.status == status
    assert result.redirect_to == location
    assert "not followed" in result.exchange.error
    assert [r["path"] for r in stub.requests[before:]] == [path]


def test_websocket_upgrade_redirect_is_not_followed(settings, stub):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    stub.routes["/ws-redirect"] = lambda h: (302, {"Location": "ws://169.254.169.254/"}, b"")
    before = len(stub.requests)
    opened = net.open_websocket(f"ws://127.0.0.1:{stub.port}/ws-redirect",
                                deadline=_deadline())
    assert opened.connection is None
    assert opened.status == 302
    assert "not followed" in opened.error
    assert len(stub.requests) == before + 1


def test_proxy_environment_is_ignored(settings, stub, monkeypatch):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    result = net.request("GET", f"{stub.base_url}/api/v3/brokerage/time", deadline=_deadline())
    assert result.status == 200
    assert stub.requests[-1]["path"] == "/api/v3/brokerage/time"


def test_allow_list_is_read_at_call_time(settings, stub):
    url = f"{stub.base_url}/api/v3/brokerage/time"
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    assert net.request("GET", url, deadline=_deadline()).status == 200
    settings.DIAGNOSTICS_ALLOWED_HOSTS = list(PROD)
    assert net.request("GET", url, deadline=_deadline()).error_code == "HOST_NOT_ALLOWED"
    settings.DIAGNOSTICS_ALLOWED_HOSTS = [f"127.0.0.1:{stub.port}"]
    assert net.request("GET", url, deadline=_deadline()).status == 200
    settings.DIAGNOSTICS_ALLOWED_HOSTS = [f"127.0.0.1:{stub.port + 1}"]
    assert net.request("GET", url, deadline=_deadline()).error_code == "HOST_NOT_ALLOWED"


def test_named_entries_without_a_port_allow_only_the_default_port(settings):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["api.coinbase.com"]
    assert targets.parse_target("https://api.coinbase.com/x").port == 443
    with pytest.raises(targets.TargetRefused):
        targets.parse_target("https://api.coinbase.com:8443/x")


def test_a_silent_server_is_cut_off_at_the_deadline(settings):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    port = listener.getsockname()[1]
    started = time.monotonic()
    result = net.request("GET", f"http://127.0.0.1:{port}/", deadline=_deadline(0.5))
    elapsed = time.monotonic() - started
    listener.close()
    assert result.error_code == "CHECK_TIMEOUT"
    assert elapsed < 1.5


def test_refused_port_and_unresolvable_name_are_named(settings):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1", "no-such-host.invalid"]
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert net.request("GET", f"http://127.0.0.1:{port}/",
                       deadline=_deadline()).error_code == "TCP_FAILED"
    result = net.request("GET", "http://no-such-host.invalid/", deadline=_deadline())
    assert result.error_code == "DNS_FAILED"


def test_evidence_is_redacted_and_keeps_correlation_ids(settings, stub):
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    pem = ("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBogus0123456789abcdefABCDEF\n"
           "-----END EC PRIVATE KEY-----")
    stub.json("/echo", {"echo": pem}, headers={"x-request-id": "req-123", "cf-ray": "abc-EMU"})
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    result = net.request("GET", f"{stub.base_url}/echo", deadline=_deadline(),
                         headers={"Authorization": f"Bearer {token}"})
    exchange = result.exchange
    assert exchange.status == 200
    assert exchange.correlation_ids == {"x-request-id": "req-123", "cf-ray": "abc-EMU"}
    assert "c2lnbmF0dXJlLXNpZ25hdHVyZQ" not in str(exchange)
    assert "[REDACTED-SIGNATURE]" in exchange.request_headers["Authorization"]
    assert "MHcCAQEEIBogus" not in exchange.body_excerpt
    assert exchange.duration_ms > 0


def test_backoff_is_exponential_jittered_and_honours_retry_after():
    import random

    rng = random.Random(1)
    delays = [net.backoff_delay(n, rng=rng) for n in range(8)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered
    caps = [min(4.0, 0.25 * 2**n) for n in range(8)]
    assert all(d <= cap for d, cap in zip(delays, caps, strict=True))
    assert net.backoff_delay(0, retry_after="2", rng=rng) >= 2


def test_pacer_spaces_calls_in_one_bucket():
    pacer = net.http.Pacer()
    deadline = _deadline(5)
    started = time.monotonic()
    for _ in range(4):
        pacer.wait("key:a", 0.05, deadline)
    assert time.monotonic() - started >= 0.14
    quick = time.monotonic()
    pacer.wait("key:b", 0.05, deadline)
    assert time.monotonic() - quick < 0.04


_PIECES = ["http://", "https://", "ws://", "wss://", "ftp://", "//", "api.coinbase.com",
           "127.0.0.1", "localhost", "[::1]", "0x7f.1", "@", "#", "?", "\\", ":443", ":80",
           ":8080", "/", ".", "%2e", "evil.example", "advanced-trade-ws.coinbase.com", " ",
           "\t", "[", "]", "%00", "\u0430"]


@hyp_settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map("".join) | st.text())
def test_parse_target_only_ever_yields_allow_listed_hosts_on_allowed_ports(url):
    from django.conf import settings as django_settings

    original = django_settings.DIAGNOSTICS_ALLOWED_HOSTS
    django_settings.DIAGNOSTICS_ALLOWED_HOSTS = list(PROD)
    try:
        target = targets.parse_target(url)
    except targets.TargetRefused:
        return
    finally:
        django_settings.DIAGNOSTICS_ALLOWED_HOSTS = original
    assert target.host in PROD
    assert target.port == targets.DEFAULT_PORTS[target.scheme]
    assert not any(ch in target.path for ch in " \r\n\t\\")


def test_websocket_library_logs_nothing_even_at_debug(settings, stub, caplog):
    import logging

    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    caplog.set_level(logging.DEBUG)
    opened = net.open_websocket(f"ws://127.0.0.1:{stub.port}/nowhere", deadline=_deadline())
    assert opened.connection is None
    assert not [r for r in caplog.records if r.name.startswith("websockets")]


def test_http_client_debug_output_never_shows_the_authorization_header(
    settings, stub, monkeypatch, capsys
):
    import http.client

    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 1)
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    result = net.request("GET", f"{stub.base_url}/api/v3/brokerage/time", deadline=_deadline(),
                         headers={"Authorization": f"Bearer {token}"})
    assert result.status == 200
    captured = capsys.readouterr()
    assert "c2lnbmF0dXJl" not in captured.out + captured.err
