"""What keeps a review session private to the person who started it.

* The server binds 127.0.0.1 only, and :class:`GuardMiddleware` refuses any request whose
  client address is not loopback (a proxy or a port forward cannot open it to the network).
* Every request must carry the session's random token as the first path segment
  (``/t/<token>/...``); the token is made with :func:`secrets.token_urlsafe` (32 bytes) at
  start-up and compared in constant time.  A page on another site cannot learn it, so it
  can neither read the data nor post changes (and the page sets ``Referrer-Policy:
  no-referrer``, so the token never leaves in a Referer header).
* The Host header must name 127.0.0.1 or localhost (Starlette's ``TrustedHostMiddleware``):
  a DNS-rebinding page that points its own name at 127.0.0.1 is refused.
* Files are served only from an allow-list of names inside the analysis directory, after
  resolving symbolic links (:func:`confined_file`); the recording is read by the server,
  never served as a file.
* The page is rendered with Jinja2 autoescaping and its scripts write untrusted text with
  ``textContent`` only; the Content-Security-Policy allows scripts from the page's own
  origin alone, so an injected ``<script>`` or ``onerror=`` attribute would not run either.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Any

__all__ = ["new_token", "is_loopback", "token_matches", "confined_file", "GuardMiddleware",
           "ALLOWED_HOSTS", "SECURITY_HEADERS", "PAGE_CSP", "FILE_CSP"]

#: Host names the server answers to (DNS rebinding defence).
ALLOWED_HOSTS = ("127.0.0.1", "localhost")

#: Scripts, styles and data from the page's own origin only; no frames, no plugins, no forms elsewhere.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: Files of the analysis directory (report.html has inline CSS and SVG, no script): no script at all.
FILE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


def new_token() -> str:
    """A random session token (32 bytes, URL-safe base64: 43 characters)."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str | None) -> bool:
    """True when ``host`` (a client address) is a loopback address (127.0.0.0/8 or ::1)."""
    if not host:
        return False
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented token with the session's."""
    if not given:
        return False
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def confined_file(base: Path, name: str, allowed: frozenset[str] | set[str] | tuple[str, ...]) -> Path | None:
    """The file ``base/name`` when ``name`` is allowed and the file really lies inside ``base``.

    ``name`` must be one of ``allowed`` (plain file names, no separators); the path is resolved
    (symbolic links followed) and must stay inside ``base`` resolved.  Returns None otherwise.
    """
    if name not in allowed or "/" in name or "\\" in name or name in (".", ".."):
        return None
    root = base.resolve()
    try:
        target = (root / name).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


async def _refuse(send: Any, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """ASGI middleware: loopback clients only, ``/t/<token>`` prefix required, security headers added.

    The prefix becomes the ``root_path`` (as for a mount), so the application's routes are
    ``/``, ``/api/...``, ``/static/...``.

    Parameters
    ----------
    app : ASGI application
    token : str
        The session token.
    """

    def __init__(self, app: Any, *, token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets
            return
        client = scope.get("client")
        if not is_loopback(client[0] if client else None):
            await _refuse(send, 403, "forbidden: this review server answers its own machine only")
            return
        path: str = scope.get("path", "")
        parts = path.split("/", 3)  # "", "t", token, rest
        if len(parts) < 3 or parts[1] != "t" or not token_matches(parts[2], self.token):
            await _refuse(send, 403, "forbidden: open the address (with its token) that 'myosleep review' printed")
            return
        prefix = f"/t/{parts[2]}"
        if len(parts) == 3:  # /t/<token> -> /t/<token>/
            await send({"type": "http.response.start", "status": 307,
                        "headers": [(b"location", f"{prefix}/".encode()), *SECURITY_HEADERS]})
            await send({"type": "http.response.body", "body": b""})
            return
        # As a mount does (ASGI spec): the path keeps the prefix, root_path names it; routes see the rest.
        inner = {**scope, "root_path": scope.get("root_path", "") + prefix}

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(SECURITY_HEADERS)]
                message = {**message, "headers": [*headers, *SECURITY_HEADERS]}
            await send(message)

        await self.app(inner, receive, send_with_headers)
