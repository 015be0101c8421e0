"""Who is calling, and through what: loopback addresses, trusted proxies, the browser's address, https.

A header set by a reverse proxy (X-Forwarded-For, X-Forwarded-Proto, the sign-on's user and roles) is believed only
when the request came from an address in TRUSTED_PROXIES: anyone else can write any header they like.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import request

from dashboard.auth.config import auth_config
from dashboard.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks(items: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """TRUSTED_PROXIES as networks (a single address is a network of one)."""
    return tuple(ipaddress.ip_network(x, strict=False) for x in items)


def parse_ip(value: str | None) -> IPAddress | None:
    """An address, or None when `value` is not one; an IPv4 address written as IPv6 (::ffff:a.b.c.d) is IPv4."""
    try:
        ip = ipaddress.ip_address((value or "").strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    host = (host or "").strip().lower().strip("[]")
    if host in ("localhost", "localhost.", "ip6-localhost") or host.endswith(".localhost"):
        return True
    ip = parse_ip(host)
    return bool(ip and ip.is_loopback)


def serving_refusal(settings: Settings, host: str) -> str | None:
    """Why serving on `host` with these settings must not start, or None. `none` serves this computer only."""
    if settings.auth_mode == "none" and not is_loopback_host(host):
        return (
            f"refusing to serve on {host} without authentication (AUTH_MODE=none lets anyone who can reach this "
            "address read the board's data). Set AUTH_MODE=password and add users with `board-dashboard "
            "user add NAME --role ROLE --password-stdin`, or AUTH_MODE=header behind your organisation's "
            "single sign-on (with TRUSTED_PROXIES); or serve on 127.0.0.1 for yourself only."
        )
    return None


def from_trusted_proxy() -> bool:
    """True when this request's peer is one of TRUSTED_PROXIES."""
    ip = parse_ip(request.remote_addr)
    return bool(ip and any(ip in net for net in auth_config().proxies))


def request_is_https() -> bool:
    """True when the browser used https: directly, or as a trusted proxy says in X-Forwarded-Proto."""
    if request.is_secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https" and from_trusted_proxy()


def cookie_secure() -> bool:
    """Whether cookies set on this answer carry the Secure flag: over https, or always with COOKIE_SECURE=always."""
    return auth_config().settings.cookie_secure == "always" or request_is_https()


def client_address() -> str:
    """The browser's address: the peer, or, behind a trusted proxy, the nearest untrusted X-Forwarded-For hop."""
    remote = request.remote_addr or ""
    if not from_trusted_proxy():
        return remote
    proxies = auth_config().proxies
    for hop in reversed([h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]):
        ip = parse_ip(hop)
        if ip is None:
            break
        if not any(ip in net for net in proxies):
            return str(ip)
    return remote


def local_request_problem() -> str | None:
    """AUTH_MODE=none answers this computer only: why this request is not from it, or None."""
    if not is_loopback_host(request.remote_addr or ""):
        return f"request from {request.remote_addr or 'an unknown address'}"
    if any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        return "request forwarded by a proxy"
    bound = request.environ.get("SERVER_NAME", "")
    if parse_ip(bound) is not None and not is_loopback_host(bound):
        return f"server listening on {bound}"  # gunicorn -b 0.0.0.0: the app learns it from the request
    if not is_loopback_host(urlsplit("//" + request.host).hostname or ""):
        return f"request for host {request.host}"  # a DNS-rebinding page in the user's own browser
    return None
