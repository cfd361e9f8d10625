"""Where a webhook may go: http(s) to a public address, never into our own network.

A manager types the URL, but the worker that POSTs to it sits inside the business's network,
beside the database and the cloud's metadata service. So unless WEBHOOK_ALLOW_PRIVATE_NETWORKS,
every address the host resolves to must be public, when the endpoint is saved (a form error) and
again at each delivery. At delivery the request goes to the address that was checked, with the
name kept for the Host header and TLS: a name that resolves elsewhere a moment later (DNS
rebinding) cannot slip a private address in between the check and the connection.
"""

import ipaddress
import socket
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

SCHEMES = ("http", "https")


class Refused(Exception):
    """The URL may not be posted to; the message says why, for a person."""


@dataclass(frozen=True)
class Target:
    """What httpx is given: the URL (its host replaced by the checked address), and the
    headers and extensions that keep the name for the server and for TLS."""

    url: httpx.URL
    headers: dict = field(default_factory=dict)
    extensions: dict = field(default_factory=dict)


def _parsed(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise Refused(_("That is not a web address Rapport can read.")) from None
    if parsed.scheme not in SCHEMES:
        raise Refused(_("Use an address starting with https:// (or http://)."))
    if not parsed.host:
        raise Refused(_("That address has no host name."))
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise Refused(_("A port is a number from 1 to 65535."))
    return parsed


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Reachable on the internet: not loopback, private, link-local (the cloud's metadata
    service), multicast, reserved, unspecified, or shared (carrier NAT)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int) -> list[str]:
    """The addresses DNS gives for ``host``; raises OSError."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _addresses(parsed: httpx.URL) -> list:
    host = parsed.raw_host.decode("ascii")  # an international name as DNS spells it
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = resolve(host, parsed.port or 443)
    except (OSError, UnicodeError):
        raise Refused(
            _("Could not find %(host)s: check the address.") % {"host": parsed.host}
        ) from None
    # A scope (fe80::1%eth0) is not part of the address.
    return [ipaddress.ip_address(address.split("%")[0]) for address in found]


def check(url: str) -> list:
    """The addresses ``url`` may be posted to (all of those its host resolves to); raises
    Refused with the reason when it may not. Without WEBHOOK_ALLOW_PRIVATE_NETWORKS, a host
    with any address inside a private network is refused whole."""
    parsed = _parsed(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return []
    addresses = _addresses(parsed)
    for address in addresses:
        if not is_public(address):
            raise Refused(
                _(
                    "%(host)s is inside a private network (%(address)s): Rapport sends "
                    "webhooks only to public addresses."
                )
                % {"host": parsed.host, "address": address}
            )
    return addresses


def target(url: str) -> Target:
    """Where to POST ``url`` now, checked; raises Refused."""
    addresses = check(url)
    parsed = _parsed(url)
    if not addresses:  # private networks allowed: nothing to pin
        return Target(parsed)
    address = addresses[0]
    pinned = parsed.copy_with(host=str(address))
    headers = {"Host": parsed.netloc.decode("ascii")}
    extensions = (
        {"sni_hostname": parsed.raw_host.decode("ascii")} if parsed.scheme == "https" else {}
    )
    return Target(pinned, headers, extensions)
