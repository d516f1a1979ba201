"""Which addresses newsbot may connect to: none that is loopback, private, link-local or
reserved, unless the admin allows them (`feeds.allow_private_addresses`).

A name is checked twice. Before anything is sent, `private_address` resolves it, so a refusal
names the host and the address it resolved to. Then the connection itself is checked:
`guarded_pool_manager`'s connections look at the address the socket actually reached before
a byte goes out (no TLS hello, no request). The first check alone left a window: a name
whose DNS answer changes between the check and the connection (DNS rebinding) would have
reached a local service.
"""

from __future__ import annotations

import ipaddress
import socket

# A site on this machine or the local network may be wanted on purpose: every refusal says how.
ALLOW_HINT = "to allow it, set allow_private_addresses = true under [feeds] in config.toml"


class LocalAddressRefused(Exception):
    """The connection reached an address newsbot may not fetch from; `str()` says which."""


def private_address(host: str) -> str | None:
    """Why `host` is refused, if it resolves to an address that is not public."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return "host name not found; check the address"
    for info in infos:
        address = str(info[4][0]).split("%")[0]  # named in the message without its IPv6 scope
        if not is_public(address):
            return f"{host} is a private or local address ({address}); not fetched: {ALLOW_HINT}"
    return None


def is_public(address: str) -> bool:
    """Whether an address (an IPv6 scope such as "%eth0" ignored) is a public one."""
    return ipaddress.ip_address(address.split("%")[0]).is_global


def guarded_pool_manager(**options):
    """A urllib3 PoolManager whose every new connection is refused (`LocalAddressRefused`,
    which urllib3 lets through) unless it reached a public address."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection

    class GuardedHTTP(HTTPConnection):
        def _new_conn(self):
            return _checked(super()._new_conn())

    class GuardedHTTPS(HTTPSConnection):
        def _new_conn(self):
            return _checked(super()._new_conn())

    class GuardedHTTPPool(urllib3.HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class GuardedHTTPSPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    manager = urllib3.PoolManager(**options)
    manager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
    return manager


def _checked(sock: socket.socket) -> socket.socket:
    peer = str(sock.getpeername()[0])
    if not is_public(peer):
        sock.close()
        raise LocalAddressRefused(f"connected to {peer}, a private or local address; not fetched: {ALLOW_HINT}")
    return sock
