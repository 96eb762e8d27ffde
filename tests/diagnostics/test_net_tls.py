"""TLS: certificates are always verified; a configured CA bundle is the only way to trust a
private certificate (such as the sandbox's)."""

from __future__ import annotations

import time

import pytest

from diagnostics import net
from tests.diagnostics.netstub import make_self_signed, tls_stub


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    cert, key = make_self_signed(tmp_path_factory.mktemp("tls"))
    server = tls_stub(cert, key)
    server.json("/api/v3/brokerage/time", {"epochSeconds": "1"})
    yield server, cert
    server.stop()


def test_a_self_signed_certificate_is_refused(settings, tls_server):
    server, _cert = tls_server
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.DIAGNOSTICS_CA_BUNDLE = ""
    result = net.request("GET", f"{server.base_url}/api/v3/brokerage/time",
                         deadline=time.monotonic() + 3)
    assert result.error_code == "TLS_FAILED"
    assert result.connect.tcp_ms is not None


def test_a_configured_ca_bundle_is_trusted_and_tls_facts_are_reported(settings, tls_server):
    server, cert = tls_server
    settings.DIAGNOSTICS_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.DIAGNOSTICS_CA_BUNDLE = cert
    result = net.request("GET", f"{server.base_url}/api/v3/brokerage/time",
                         deadline=time.monotonic() + 3)
    assert result.status == 200
    report = result.connect
    assert report.tls_version.startswith("TLS")
    assert "stub.local" in report.cert_subject
    assert 28 <= report.cert_days_left <= 30
    assert report.dns_ms is not None and report.tls_ms is not None
