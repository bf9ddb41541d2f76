"""The client's address as far as it can be trusted (issue 10).

``REMOTE_ADDR`` is the peer of the connection. Only when that peer is one of ``settings.TRUSTED_PROXIES``
(``LOANLIT_TRUSTED_PROXIES``: addresses or networks of the bank's reverse proxies) is ``X-Forwarded-For``
read, from the right: each trusted proxy appends the address it received the request from, so the
right-most address that is not itself a trusted proxy is the client. Everything left of it is whatever
the client claimed and is never believed. Malformed values are skipped, never an error.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    networks: list[Network] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            continue  # settings.py refuses a malformed entry at start-up; a test override may not
    return tuple(networks)


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = str(value or "").strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "10.0.0.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request: Any) -> str | None:
    """The client's IP address as a string, or ``None`` when the peer address is not an IP address."""
    meta = getattr(request, "META", None) or {}
    peer = _address(meta.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    client = peer
    for hop in reversed(str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: nothing left of it can be trusted either
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
