"""Why a fetch failed, in one line a person can act on: HTTP statuses and network errors.

Each reason follows the address in a `FetchError` ("http://...: HTTP 404 ...: no page at this
address; check it"), so it says what happened and, where there is one, what to do.
"""

from __future__ import annotations


def status_reason(status: int, reason: str | None) -> str:
    words = f"HTTP {status}{' ' + reason if reason else ''}"
    if status in (404, 410):
        return f"{words}: no page at this address; check it"
    if status in (401, 403):
        return f"{words}: the site refuses newsbot; not fetched"
    if status == 429 or status >= 500:
        return f"{words}: the site is busy or failing; it is tried again next time"
    return f"{words}; not fetched"


def network_reason(exc: Exception, policy) -> str:
    from urllib3 import exceptions as e

    # Most specific first: urllib3 makes NameResolutionError a NewConnectionError, and that a
    # ConnectTimeoutError, so a refusal that came at once would otherwise read as a timeout.
    if isinstance(exc, e.NameResolutionError):
        return "host name not found; check the address"
    if isinstance(exc, e.NewConnectionError):
        return _connection_reason(exc)
    if isinstance(exc, e.ConnectTimeoutError):
        return f"no connection within {policy.connect_timeout:g} s; the site may be down, try again later"
    if isinstance(exc, e.ReadTimeoutError):
        return f"the site stopped answering for {policy.read_timeout:g} s; try again later"
    if isinstance(exc, e.SSLError):
        return "TLS/certificate error; the site's https is broken"
    if isinstance(exc, e.LocationParseError):
        return "not a valid address"
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"network error ({detail[:120]})"


def _connection_reason(exc) -> str:
    """A refused connection means nothing listens at that address and port (a typo in the
    port, or the server is not started), which waiting will not change; say so."""
    where = _host_and_port(getattr(exc, "conn", None))
    if isinstance(exc.__cause__, ConnectionRefusedError):
        return f"connection refused: no server at {where}; check the address and port, or start the server"
    return f"cannot connect to {where} (unreachable); check the address, or try again later"


def _host_and_port(conn) -> str:
    host, port = getattr(conn, "host", None), getattr(conn, "port", None)
    if not host:
        return "that address"
    return f"{host} port {port}" if port else str(host)
