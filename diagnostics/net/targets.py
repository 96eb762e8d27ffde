"""Which outbound targets diagnostics may reach, and how they are resolved and connected.

The rules, in order:
1. Only http/https/ws/wss URLs with no user-info, no odd characters, an ASCII host name.
2. The host (or host:port) must be in `settings.DIAGNOSTICS_ALLOWED_HOSTS`, read at call
   time; an entry without a port allows only the default port (any port for a loopback
   entry such as the local sandbox). Numeric spellings (2130706433, 0x7f000001, 127.1,
   ::ffff:127.0.0.1) are different host strings and so are refused before any DNS lookup.
3. The name is resolved once. Every address must be public, unless the allow-list names
   that exact address, the host is `localhost` answering with loopback, or the host is in
   `settings.DIAGNOSTICS_PRIVATE_HOSTS` (e.g. a sandbox container name). Unspecified and
   multicast addresses are always refused. IPv4 addresses embedded in IPv6 (mapped, 6to4,
   Teredo, NAT64) are judged as the IPv4 address.
4. The socket connects to the address that was validated, so a second DNS answer
   (rebinding) is never used. No proxy is consulted.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
SECURE_SCHEMES = {"https", "wss"}
MAX_URL_LENGTH = 2048
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_resolver_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="diag-dns")


class TargetRefused(Exception):
    """The target may not be contacted. `code` is a finding code."""

    def __init__(self, message: str, code: str = "HOST_NOT_ALLOWED"):
        super().__init__(message)
        self.code = code


class ConnectFailed(Exception):
    """DNS, TCP or TLS failed. `code` is DNS_FAILED, TCP_FAILED or TLS_FAILED."""

    def __init__(self, message: str, code: str, report: ConnectReport | None = None):
        super().__init__(message)
        self.code = code
        self.report = report


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # path plus query, never empty

    @property
    def secure(self) -> bool:
        return self.scheme in SECURE_SCHEMES

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS[self.scheme]
        return host if self.port == default else f"{host}:{self.port}"


@dataclass
class ConnectReport:
    """Timings and facts of one connection, for reach.* evidence."""

    host: str
    port: int
    addresses: list[str] = field(default_factory=list)
    connected_ip: str = ""
    dns_ms: float | None = None
    tcp_ms: float | None = None
    tls_ms: float | None = None
    tls_version: str = ""
    cert_subject: str = ""
    cert_issuer: str = ""
    cert_days_left: int | None = None
    error: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def allowed_hosts() -> list[str]:
    return [h.strip().lower().rstrip(".") for h in settings.DIAGNOSTICS_ALLOWED_HOSTS if h]


def private_hosts() -> set[str]:
    hosts = getattr(settings, "DIAGNOSTICS_PRIVATE_HOSTS", []) or []
    return {h.strip().lower().rstrip(".") for h in hosts if h}


def _split_entry(entry: str) -> tuple[str, int | None]:
    """'host', 'host:port', '[v6]' or '[v6]:port' → (host, port or None)."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:
        host, port = entry, ""
    return host, (int(port) if port.isdigit() else None)


LOCAL_ENTRIES = {"127.0.0.1", "::1", "localhost"}


def _host_allowed(host: str, port: int, scheme: str) -> bool:
    """An entry with a port allows that port only; one without allows the scheme's default
    port, or any port for a loopback entry (a local sandbox)."""
    for entry in allowed_hosts():
        entry_host, entry_port = _split_entry(entry)
        if entry_host != host:
            continue
        if entry_port is not None:
            if entry_port == port:
                return True
        elif port == DEFAULT_PORTS[scheme] or host in LOCAL_ENTRIES:
            return True
    return False


def parse_target(url: str, schemes: tuple[str, ...] = ("http", "https", "ws", "wss")) -> Target:
    """Parse and allow-list a URL, or raise TargetRefused. No network access."""
    if not isinstance(url, str) or not url.strip():
        raise TargetRefused("no URL given")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused("the URL is too long")
    if any(ord(ch) < 33 or ord(ch) == 127 or ch == "\\" for ch in url):
        raise TargetRefused("the URL contains spaces, control characters or backslashes")
    if not url.isascii():
        raise TargetRefused("the URL contains non-ASCII characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        raise TargetRefused("the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise TargetRefused(f"scheme {scheme or '(none)'!r} is not allowed here")
    if "@" in parts.netloc:
        raise TargetRefused("user information in a URL is not allowed")
    host = (hostname or "").lower().rstrip(".")
    if not host:
        raise TargetRefused("the URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise TargetRefused("the URL's port is not a number between 0 and 65535") from None
    if not 0 < port < 65536:
        raise TargetRefused("the URL's port is out of range")
    if not _host_allowed(host, port, scheme):
        raise TargetRefused(f"{host}:{port} is not on the diagnostics allow-list")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url=url, scheme=scheme, host=host, port=port, path=path)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why `host` may not use address `ip`, or "" when it may."""
    effective = ip
    if isinstance(ip, ipaddress.IPv6Address):
        effective = _embedded_ipv4(ip) or ip
    if effective.is_unspecified or effective.is_multicast:
        return f"{host} resolves to {ip}, an unspecified or multicast address"
    if effective.is_global:
        return ""
    if host == str(ip) or host == str(effective):
        return ""  # the allow-list names this exact address
    if host == "localhost" and effective.is_loopback:
        return ""
    if host in private_hosts():
        return ""
    kind = (
        "loopback" if effective.is_loopback
        else "link-local" if effective.is_link_local
        else "private" if effective.is_private
        else "non-public"
    )
    return f"{host} resolves to {ip}, a {kind} address"


def _getaddrinfo(host: str, port: int):
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def resolve(target: Target, timeout: float) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Resolve once and validate every address. Raises TargetRefused or ConnectFailed."""
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        future = _resolver_pool.submit(_getaddrinfo, target.host, target.port)
        try:
            infos = future.result(timeout=max(0.05, timeout))
        except FutureTimeout:
            raise ConnectFailed(f"DNS lookup for {target.host} timed out", "DNS_FAILED") from None
        except (OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise ConnectFailed(f"DNS lookup for {target.host} failed: {reason}",
                                "DNS_FAILED") from None
        addresses = []
        for info in infos:
            ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise ConnectFailed(f"{target.host} has no addresses", "DNS_FAILED")
    for ip in addresses:
        refusal = address_refusal(target.host, ip)
        if refusal:
            raise TargetRefused(refusal)
    return addresses


def tls_context() -> ssl.SSLContext:
    """Certificate and host name verification always on; extra CA from settings if set."""
    cafile = getattr(settings, "DIAGNOSTICS_CA_BUNDLE", "") or None
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _cert_facts(sock: ssl.SSLSocket, report: ConnectReport) -> None:
    report.tls_version = sock.version() or ""
    cert = sock.getpeercert() or {}
    report.cert_subject = ", ".join("=".join(x) for rdn in cert.get("subject", ()) for x in rdn)
    report.cert_issuer = ", ".join("=".join(x) for rdn in cert.get("issuer", ()) for x in rdn)
    if cert.get("notAfter"):
        expires = ssl.cert_time_to_seconds(cert["notAfter"])
        report.cert_days_left = int((expires - time.time()) // 86400)


def open_connection(target: Target, deadline: float) -> tuple[socket.socket, ConnectReport]:
    """Resolve, validate, connect (and TLS-wrap for https/wss) within `deadline`
    (a time.monotonic() value). Raises TargetRefused or ConnectFailed."""
    report = ConnectReport(host=target.host, port=target.port)

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    started = time.monotonic()
    try:
        addresses = resolve(target, left())
    except ConnectFailed as exc:
        exc.report = report
        report.error = str(exc)
        raise
    report.dns_ms = round((time.monotonic() - started) * 1000, 1)
    report.addresses = [str(ip) for ip in addresses]
    sock = None
    errors = []
    for ip in addresses[:3]:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        candidate = socket.socket(family, socket.SOCK_STREAM)
        candidate.settimeout(left())
        tcp_started = time.monotonic()
        try:
            candidate.connect((str(ip), target.port))
        except OSError as exc:
            candidate.close()
            errors.append(f"{ip}: {exc.strerror or type(exc).__name__}")
            continue
        report.tcp_ms = round((time.monotonic() - tcp_started) * 1000, 1)
        report.connected_ip = str(ip)
        sock = candidate
        break
    if sock is None:
        report.error = "TCP connect failed: " + "; ".join(errors)
        raise ConnectFailed(report.error, "TCP_FAILED", report)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if target.secure:
        tls_started = time.monotonic()
        sock.settimeout(left())
        try:
            sock = tls_context().wrap_socket(sock, server_hostname=target.host)
        except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
            sock.close()
            report.error = f"TLS handshake failed: {getattr(exc, 'reason', None) or exc}"
            raise ConnectFailed(report.error, "TLS_FAILED", report) from None
        report.tls_ms = round((time.monotonic() - tls_started) * 1000, 1)
        _cert_facts(sock, report)
    return sock, report
