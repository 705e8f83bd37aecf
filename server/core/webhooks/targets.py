"""Where webhooks may go: public addresses only, unless the operator allows a private network.

A URL's host is read the way resolvers read it (IPv4 in decimal, hex, octal and short forms, IPv6 with
an embedded IPv4 address, trailing dots, IDNA), and every address it stands for must be public:
not loopback, private, link-local, unique-local, shared (CGNAT), multicast, reserved or unspecified.
Registration checks the URL; delivery resolves the name again, checks every address and connects to
one of them (transport pins it), so a name that changes its answer later (DNS rebinding) gains nothing.
"""

import ipaddress
import re
import socket
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from ...config import SettingsError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS"
REFUSED = (
    "Webhooks are not sent to loopback, private, link-local or other non-public addresses, and this "
    "URL's host is one or resolves to one. An operator can allow a private network with " + SETTING + "."
)
# Names that are private by definition and never in the public DNS (RFC 6761, 6762, 8375; ICANN's .internal).
PRIVATE_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "localdomain")
# localhost and *.localhost are loopback whatever a resolver says (RFC 6761).
LOOPBACK = (ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1"))
# Prefixes that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052) and IPv4-compatible IPv6.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use
COMPATIBLE = ipaddress.IPv6Network("::/96")
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_IPV4_PART = re.compile(r"0[x][0-9a-f]*|0[0-7]*|[1-9][0-9]*")


class BlockedTarget(Exception):
    """A webhook URL whose host is not public (or not a host at all)."""


class Unresolved(Exception):
    """A name the resolver did not answer for in time, or has no address."""


def allowed_networks(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """The WEBHOOK_ALLOWED_PRIVATE_NETWORKS setting: CIDRs as a list or one comma-separated string."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    try:
        return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())
    except ValueError as error:
        raise SettingsError(f"{SETTING} must list networks such as 10.0.0.0/8 or fd00::/8: {error}") from None


def parse_host(host: str) -> IPAddress | str:
    """The address a URL host spells (in any form resolvers accept), or the host name in ASCII lowercase."""
    if ":" in host:  # an IPv6 literal (urlsplit has taken its brackets off)
        try:
            return ipaddress.IPv6Address(host.replace("%25", "%"))
        except ValueError:
            raise BlockedTarget("Not a valid host.") from None
    try:
        name = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise BlockedTarget("Not a valid host name.") from None
    name = name.lower().rstrip(".")
    address = _ipv4_number(name)
    if address is not None:
        return address
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise BlockedTarget("Not a valid host name.")
    return name


def _ipv4_number(name: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address as inet_aton reads it: 1 to 4 parts, each decimal, 0-octal or 0x-hex (127.1, 0x7f000001)."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        return None
    values = [
        int(p[2:] or "0", 16) if p.startswith("0x") else int(p, 8) if p.startswith("0") else int(p) for p in parts
    ]
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, v in enumerate(head):
        number += v << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet, looking through IPv6 forms that carry an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
        if address in NAT64_LOCAL or address.is_site_local:
            return False
        if address.sixtofour is not None and not is_public(address.sixtofour):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64 or (address in COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def permitted(address: IPAddress, allowed: Iterable[Network]) -> bool:
    """Public, or inside a network the operator allows (looking through IPv4-mapped and NAT64 forms too)."""
    if is_public(address):
        return True
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
        candidates.append(embedded)
    return any(c in network for c in candidates for network in allowed if c.version == network.version)


def is_private_name(name: str) -> bool:
    """A single-label name (resolved through search domains) or one under a private-use domain."""
    return "." not in name or any(name == s or name.endswith("." + s) for s in PRIVATE_SUFFIXES)


def resolve(host: IPAddress | str, port: int, timeout: float) -> list[IPAddress]:
    """The addresses a parsed host stands for: itself, loopback for localhost names, or the resolver's answer."""
    if not isinstance(host, str):
        return [host]
    if host == "localhost" or host.endswith(".localhost"):
        return list(LOOPBACK)
    answer: dict[str, list] = {}

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            answer["infos"] = []

    # getaddrinfo has no timeout of its own: wait for it at most `timeout` (the thread ends with the resolver's).
    thread = threading.Thread(target=lookup, name="gapwise-webhook-dns", daemon=True)
    thread.start()
    thread.join(max(timeout, 0.0))
    addresses: list[IPAddress] = []
    for info in answer.get("infos", []):
        address = ipaddress.ip_address(info[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unresolved(host)
    return addresses


def checked_addresses(host: IPAddress | str, port: int, allowed: Iterable[Network], timeout: float) -> list[IPAddress]:
    """Resolve once and return every address, or raise BlockedTarget if any of them is not permitted."""
    addresses = resolve(host, port, timeout)
    if not all(permitted(a, allowed) for a in addresses):
        raise BlockedTarget(REFUSED)
    return addresses


def check_url(url: str, allowed: Iterable[Network], timeout: float) -> None:
    """Refuse a webhook URL at registration (BlockedTarget) when its host is, or resolves to, a non-public address.

    A public-looking name that does not resolve (yet) is accepted: delivery checks it again. A private name
    (single-label, .internal, .local, …) is refused unless it resolves, and only into allowed networks.
    """
    try:
        parts = urlsplit(url)
        host, port = parse_host(parts.hostname or ""), parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise BlockedTarget("Not a valid URL.") from None
    allowed = tuple(allowed)
    private_name = isinstance(host, str) and is_private_name(host)
    if private_name and not allowed:
        raise BlockedTarget(REFUSED)
    try:
        checked_addresses(host, port, allowed, timeout)
    except Unresolved:
        if private_name:
            raise BlockedTarget(REFUSED) from None
