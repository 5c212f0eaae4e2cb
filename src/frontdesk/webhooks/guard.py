"""Where webhooks may go: http(s) only, and, unless FRONTDESK_WEBHOOKS_ALLOW_PRIVATE says the
network is trusted, not to this machine or the private network around it (SSRF). Checked when a
subscription is saved, and again when each delivery connects, on the addresses the name resolves
to then (a name can be pointed elsewhere after it was saved); the connection goes to the address
that was checked. Browsers' push endpoints are held to the same rules under their own setting
(FRONTDESK_PUSH_ALLOW_PRIVATE): each caller names the setting that lifts the check, and every
refusal names that one."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from frontdesk.errors import Invalid

# The setting that lifts the check for webhooks; push endpoints have their own.
WEBHOOKS_SETTING = "FRONTDESK_WEBHOOKS_ALLOW_PRIVATE"


def private_message(setting: str = WEBHOOKS_SETTING) -> str:
    return (
        "This URL points to this machine or a private network. An administrator can allow that "
        f"with {setting}=true."
    )


# A save waits this long at most for the name to resolve; the delivery checks again anyway.
SAVE_RESOLVE_TIMEOUT = 3.0


# IPv6 forms that carry an IPv4 address in their last 32 bits, which a translator, a tunnel or
# the host's own stack may turn into a connection to that IPv4 address: the NAT64 well-known
# prefix (RFC 6052), "IPv4-compatible" ::a.b.c.d (deprecated, RFC 4291) and SIIT's
# "IPv4-translated" ::ffff:0:a.b.c.d (RFC 2765). Python calls most of them global.
_LAST_32_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
)
# The NAT64 local-use prefix (RFC 8215) embeds the IPv4 address where the operator chose, and
# never leads to a receiver on the internet: refused whole.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, compatible, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in network for network in _LAST_32_BITS):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _public(ip)
    if ip in _LOCAL_NAT64:
        return False
    embedded = _embedded_ipv4(ip)
    if ip.ipv4_mapped is not None:
        # Only ever a way to write the IPv4 address: that address alone decides.
        return _public(embedded[0])
    return _public(ip) and all(_public(v4) for v4 in embedded)


def check_url(url: str, *, allow_private: bool, setting: str = WEBHOOKS_SETTING) -> str:
    """The URL as saved; raises Invalid (field `url`) for one we would never send to. `setting`:
    the one that would allow a private address, named in the refusal."""
    if any(char.isspace() or not char.isprintable() for char in url.strip()):
        raise Invalid("url", "A URL has no spaces: percent-encode them (%20).")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("url", "The URL must start with https:// (or http://) and name a host.")
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number from 0 to 65535)
    except ValueError:
        raise Invalid("url", "The port in this URL is not a valid port number.") from None
    if parts.username or parts.password:
        raise Invalid("url", "Put no user name or password in the URL: we sign every request.")
    if not allow_private:
        host = parts.hostname
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if (
            host == "localhost"
            or host.endswith((".localhost", ".local", ".internal"))
            or (literal is not None and not public_address(host))
        ):
            raise Invalid("url", private_message(setting), field_code="private_address")
    return url.strip()


async def check_target(url: str, *, allow_private: bool, setting: str = WEBHOOKS_SETTING) -> str:
    """`check_url`, and the addresses the name resolves to now: a name that leads inside is
    refused when saved, not only at the first delivery. A name that does not resolve (yet) is
    accepted: each delivery resolves it again."""
    checked = check_url(url, allow_private=allow_private, setting=setting)
    if allow_private:
        return checked
    parts = urlsplit(checked)
    host = parts.hostname or ""
    try:
        async with asyncio.timeout(SAVE_RESOLVE_TIMEOUT):
            addresses = await resolve(host, parts.port or 443)
    except (OSError, TimeoutError, UnicodeError, ValueError):
        return checked
    if any(not public_address(address) for address in addresses):
        raise Invalid("url", private_message(setting), field_code="private_address")
    return checked


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the name itself, refuses if any address is not public, and connects to the
    checked address (TLS still checks the certificate against the name). A refusal names
    `setting`, the one that would lift it: what the delivery log or the push outbox keeps says
    what an administrator can do."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, *, setting: str) -> None:
        self._inner = inner
        self._setting = setting

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        refused = [address for address in addresses if not public_address(address)]
        if refused or not addresses:
            raise httpcore.ConnectError(
                f"{host} resolves to a private address ({', '.join(refused)}): refused "
                f"({self._setting})"
            )
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def transport(*, allow_private: bool, setting: str = WEBHOOKS_SETTING) -> httpx.AsyncHTTPTransport:
    # trust_env=False: a proxy from the environment would connect for us, past the check.
    made = httpx.AsyncHTTPTransport(trust_env=False, retries=0)
    if not allow_private:
        pool = made._pool
        pool._network_backend = GuardedBackend(pool._network_backend, setting=setting)
    return made
