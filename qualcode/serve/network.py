"""Where the review server is reached, and what it believes about a request.

- **The public address** (``[server] url``): invite links are built from it, never from the
  request's Host header, and a request naming any other host is refused (loopback names are
  always accepted, for use on the machine itself).
- **HTTPS.** Cookies are Secure whenever the request's original scheme is https: served with a
  certificate, or behind a proxy that says so. Off this machine the server serves HTTPS, or sits
  behind a trusted HTTPS proxy, or was told ``--allow-http`` on purpose (then its cookies work
  over http and every page carries a warning); it refuses to start otherwise.
- **Proxies.** X-Forwarded-Proto and X-Forwarded-For are believed only from the configured
  proxy addresses (``[server] trusted_proxies``, ``--proxy``); from anyone else they are ignored.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qualcode.errors import QualcodeError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD = frozenset({"0.0.0.0", "::", ""})
MAX_BODY = 100_000  # bytes of a request body: forms are small; anything larger is refused


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def host_name(value: str) -> str:
    """The host of a Host header ('name:port', '[::1]:port'), lower-cased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass(frozen=True)
class Network:
    """What the server believes: its public address, the proxies it trusts, and whether plain
    http off this machine is allowed (a warning on every page) or refused (HTTPS only)."""

    url: str = "http://127.0.0.1:8765"
    proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    allow_http: bool = False  # plain http on purpose: warned on every page
    https_only: bool = False  # plain http from another machine is sent to the https address
    extra_hosts: frozenset[str] = field(default_factory=frozenset)

    @property
    def hosts(self) -> frozenset[str]:
        """The Host names a request may carry."""
        return LOOPBACK_HOSTS | self.extra_hosts | {host_name(urlsplit(self.url).netloc)}

    def invite_link(self, token: str) -> str:
        return f"{self.url.rstrip('/')}/invite/{token}"

    def trusted(self, address: str) -> bool:
        """Whether ``address`` is one of the configured proxies (an address or a network)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        for proxy in self.proxies:
            try:
                if ip in ipaddress.ip_network(proxy, strict=False):
                    return True
            except ValueError:
                continue
        return False

    def client_of(self, client: str, headers: dict[str, str], scheme: str) -> tuple[str, str]:
        """(client address, scheme) of a request: the connection's own, or what a trusted
        proxy forwarded (the right-most address in X-Forwarded-For that is not a trusted proxy;
        the last X-Forwarded-Proto)."""
        if not self.trusted(client):
            return client, scheme
        proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            scheme = proto
        chain = [a.strip() for a in headers.get("x-forwarded-for", "").split(",") if a.strip()]
        for address in reversed(chain):
            client = address
            if not self.trusted(address):
                break
        return client, scheme


class Gate:
    """ASGI middleware in front of every route: the Host header checked, forwarded scheme and
    client taken from trusted proxies only, plain http from another machine sent to the HTTPS
    address when that is the only way in, request bodies capped at :data:`MAX_BODY`."""

    def __init__(self, app: Any, network: Network) -> None:
        self.app, self.network = app, network

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        net = self.network
        if host_name(headers.get("host", "")) not in net.hosts:
            await _plain(send, 400, f"This server answers at {net.url} only.")
            return
        peer = (scope.get("client") or ("", 0))[0]
        client, scheme = net.client_of(peer, headers, scope.get("scheme", "http"))
        scope = {**scope, "scheme": scheme, "client": (client, 0)}
        if net.https_only and scheme == "http" and not is_loopback(client):
            await _plain(send, 403, f"Open this server over HTTPS: {net.url}")
            return
        length = headers.get("content-length", "0").strip() or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            await _plain(send, 413, f"The form is too large (at most {MAX_BODY:,} bytes).")
            return
        await self.app(scope, _capped(receive), send)


def _capped(receive: Any) -> Any:
    """``receive`` that stops a body (sent in chunks, without a length) beyond MAX_BODY."""
    seen = 0

    async def inner() -> Any:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise BodyTooLarge
        return message

    return inner


class BodyTooLarge(Exception):
    """A request body (without a length) grew beyond MAX_BODY."""


async def _plain(send: Any, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                    (b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class Plan:
    """How 'qualcode serve' listens: address, port, certificate and key, and what it believes."""

    host: str
    port: int
    network: Network
    certfile: str = ""
    keyfile: str = ""

    @property
    def scheme(self) -> str:
        return "https" if self.certfile else "http"


def plan(
    server: Any,
    root: Path,
    host: str = "",
    port: int = 0,
    url: str = "",
    certfile: str = "",
    keyfile: str = "",
    proxies: list[str] | None = None,
    allow_http: bool = False,
) -> Plan:
    """How to serve, from [server] (``server``) and the command line's overrides; refuses (one
    clear line) plain http off this machine unless allowed, and a wildcard address without
    ``url``."""
    host, port = host or server.host, port or server.port
    certfile = _file(root, certfile or server.certfile)
    keyfile = _file(root, keyfile or server.keyfile)
    if bool(certfile) != bool(keyfile):
        raise QualcodeError(
            "HTTPS needs both a certificate and its key", "give --certfile and --keyfile"
        )
    if certfile:
        _check_pair(certfile, keyfile)
    proxies = list(proxies) if proxies else list(server.trusted_proxies)
    for p in proxies:
        _check_proxy(p)
    allow_http = allow_http or server.allow_http
    local = is_loopback(host)
    remote_proxy = any(not _loopback_net(p) for p in proxies)
    if not (local or certfile or allow_http or remote_proxy):
        raise QualcodeError(
            f"not serving plain HTTP on {host}: browsers would send passwords in clear",
            "serve HTTPS with --certfile FILE --keyfile FILE, or behind an HTTPS proxy "
            "(--proxy ADDRESS), or pass --allow-http to allow plain HTTP on purpose",
        )
    scheme = "https" if certfile else "http"
    url = (url or server.url).rstrip("/")
    if not url:
        if host in WILDCARD:
            raise QualcodeError(
                f"on {host or 'every address'} the server needs the address people open",
                "give --url https://NAME:PORT (or [server] url); it makes the invite links",
            )
        url = f"{scheme}://{'[' + host + ']' if ':' in host else host}:{port}"
    _check_url(url)
    network = Network(
        url=url,
        proxies=tuple(proxies),
        allow_http=allow_http and not certfile and urlsplit(url).scheme == "http",
        https_only=not allow_http,
        extra_hosts=frozenset() if host in WILDCARD else frozenset({host.lower()}),
    )
    return Plan(host, port, network, certfile, keyfile)


def public_url(server: Any) -> str:
    """The address invite links start with: [server] url, else scheme://host:port."""
    if server.url:
        return str(server.url).rstrip("/")
    scheme = "https" if server.certfile else "http"
    host = server.host if server.host not in WILDCARD else "127.0.0.1"
    return f"{scheme}://{'[' + host + ']' if ':' in host else host}:{server.port}"


def _file(root: Path, name: str) -> str:
    if not name:
        return ""
    path = Path(name).expanduser()
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        raise QualcodeError(f"{path}: no such file", "name a PEM certificate and key file")
    return str(path)


def _check_pair(certfile: str, keyfile: str) -> None:
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise QualcodeError(
            f"{certfile} and {keyfile} are not a PEM certificate and its key ({exc.strerror})",
            "see the README: 'Serving on a network'",
        ) from None


def _check_proxy(proxy: str) -> None:
    try:
        ipaddress.ip_network(proxy, strict=False)
    except ValueError:
        raise QualcodeError(
            f"trusted proxy '{proxy}' is not an address", "use an IP address or a network"
        ) from None


def _loopback_net(proxy: str) -> bool:
    return ipaddress.ip_network(proxy, strict=False).is_loopback


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise QualcodeError(
            f"url '{url}' is not an address people can open",
            "use e.g. https://qual.example.org or https://qual.example.org:8765",
        )
