"""The review web application (Starlette) and its server (uvicorn, 127.0.0.1 only).

Routes, all under ``/t/<token>/`` (see :mod:`.security`):

=====================================  ==========================================================
``GET  /``                             the page
``GET  /api/session``                  recording, channels, hypnogram, classes, position
``GET  /api/events``                   the reviewed events (rows of events.reviewed.tsv)
``GET  /api/window``                   ``?start_s=&stop_s=&channel=...&filter=1``: signal window
``POST /api/events/{review_id}``       ``{"action": "accept|reject|relabel|reset", "trial_type"}``
``POST /api/events``                   ``{"onset_s", "duration_s", "trial_type", "channels"}``: add
``POST /api/position``                 ``{"review_id"}``: where to resume
``POST /api/recompute``                only when the server is given a ``recompute`` function
``GET  /files/{name}``                 report.html, summary.json, events.tsv, events.reviewed.tsv,
                                       review_log.jsonl of the analysis directory
``GET  /static/{name}``                the page's scripts and styles (package data)
=====================================  ==========================================================
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError, ParameterError
from .security import ALLOWED_HOSTS, FILE_CSP, PAGE_CSP, GuardMiddleware, confined_file, new_token
from .session import ReviewSession
from .store import EVENTS_FILE, LOG_FILE, REVIEWED_FILE

__all__ = ["create_app", "ReviewServer", "SERVED_FILES", "Recompute"]

log = logging.getLogger("myosleep")

STATIC_DIR = Path(__file__).with_name("static")
#: Files of the analysis directory the page may link to (nothing else of the directory is served).
SERVED_FILES = {
    "report.html": "text/html; charset=utf-8",
    "summary.json": "application/json",
    EVENTS_FILE: "text/tab-separated-values; charset=utf-8",
    REVIEWED_FILE: "text/tab-separated-values; charset=utf-8",
    LOG_FILE: "application/jsonl; charset=utf-8",
}
_STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".txt": "text/plain; charset=utf-8"}
#: Largest request body accepted (a change is a few hundred bytes).
MAX_BODY_BYTES = 64 * 1024

#: ``recompute(out_dir) -> dict``: recompute findings and indices from events.reviewed.tsv; its
#: JSON-ready result is returned to the page.
Recompute = Callable[[Path], dict]


def _session_payload(session: ReviewSession, *, recompute: bool) -> dict[str, Any]:
    from ..classification.rules import get_ruleset
    from ..reporting.figures import TRIAL_TYPE_COLOURS
    from ..vocab import TrialType
    from .criteria import CLASS_TITLES, RULE_ROLES, class_criteria
    from .signals import MAX_WINDOW_S

    rec, summary = session.recording, session.summary
    ruleset_name = summary.get("ruleset") or "aasm"
    try:
        rules = get_ruleset(ruleset_name)
    except ParameterError:
        rules = None
    criteria = class_criteria(rules) if rules is not None else {}
    hyp = session.hypnogram
    return {
        "reviewer": session.reviewer,
        "ruleset": {"name": ruleset_name, "citation": rules.citation if rules is not None else ""},
        "recording": {
            "name": rec.path.name if rec.path is not None else "recording",
            "format": rec.format,
            "duration_s": rec.duration_s,
            "start": rec.start_datetime.isoformat() if rec.start_datetime else None,
            "patient": session.header.get("patient", ""),
            "recording_id": session.header.get("recording", ""),
            "channels": [{"label": c.label, "role": session.roles.get(c.label, c.role).value,
                          "side": c.side.value if c.side else None, "sfreq": c.sfreq, "unit": c.data_unit,
                          "readable": c.readable and c.problem is None}
                         for c in rec.channels],
        },
        "hypnogram": None if hyp is None else {"epoch_s": float(hyp.epoch_s), "start_s": float(hyp.start_s),
                                               "stages": hyp.labels},
        "hypnogram_note": session.hypnogram_note,
        "classes": [{"value": t.value, "title": CLASS_TITLES.get(t.value, t.value),
                     "colour": TRIAL_TYPE_COLOURS.get(t.value, "#777777"), "criteria": criteria.get(t.value, "")}
                    for t in TrialType],
        "rule_roles": {k: [r.value for r in v] for k, v in RULE_ROLES.items()},
        "event_columns": session.store.event_columns,
        "position": session.store.position(),
        "notes": list(session.store.notes),
        "files": [name for name in SERVED_FILES if (session.out_dir / name).is_file()],
        "recompute": recompute,
        "max_window_s": MAX_WINDOW_S,
    }


def create_app(session: ReviewSession, *, token: str, recompute: Recompute | None = None) -> Any:
    """The ASGI application of a review session.

    Parameters
    ----------
    session : ReviewSession
        The open session (it stays open for the application's life).
    token : str
        The session token every request must carry (``/t/<token>/...``).
    recompute : callable, optional
        ``recompute(out_dir) -> dict``.  When given, the page shows a "Recompute findings" button
        whose request calls it (serialised with the changes); when None there is no button and
        no route.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    env = Environment(loader=PackageLoader("myosleep.review", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    static = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file() and p.suffix in _STATIC_TYPES}
    store = session.store
    change_lock = threading.Lock()  # recompute waits for changes in flight, and the reverse

    async def body_json(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise _HTTPProblem(415, "send JSON (Content-Type: application/json)")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise _HTTPProblem(413, "request too large")
        try:
            data = json.loads(body)
        except ValueError:
            raise _HTTPProblem(400, "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _HTTPProblem(400, "the body must be a JSON object")
        return data

    async def page(request: Request) -> Response:
        rec = session.recording
        html = env.get_template("review.html.j2").render(
            recording_name=rec.path.name if rec.path is not None else "recording",
            patient=session.header.get("patient", ""), recording_id=session.header.get("recording", ""),
            reviewer=session.reviewer, recompute=recompute is not None,
            files=[name for name in SERVED_FILES if (session.out_dir / name).is_file()])
        return HTMLResponse(html, headers={"content-security-policy": PAGE_CSP})

    async def api_session(request: Request) -> Response:
        payload = await run_in_threadpool(_session_payload, session, recompute=recompute is not None)
        return JSONResponse(payload)

    async def api_events(request: Request) -> Response:
        rows = await run_in_threadpool(store.rows)
        return JSONResponse({"rows": rows, "counts": store.counts()})

    async def api_window(request: Request) -> Response:
        from .signals import MAX_POINTS, read_window

        q = request.query_params
        labels = q.getlist("channel")
        flt = q.get("filter", "1") not in ("0", "false", "no")
        try:
            max_points = int(q.get("max_points", MAX_POINTS))
        except ValueError:
            raise ParameterError(f"must be an integer, got {q.get('max_points')!r}", where="max_points") from None
        result = await run_in_threadpool(read_window, session.recording, labels, q.get("start_s"),
                                         q.get("stop_s"), display_filter=flt, max_points=max_points,
                                         roles=session.roles)
        return JSONResponse(result)

    def _change(review_id: str, action: str, trial_type: str | None) -> dict:
        with change_lock:
            return store.change(review_id, action, trial_type=trial_type)

    async def api_change(request: Request) -> Response:
        data = await body_json(request)
        row = await run_in_threadpool(_change, request.path_params["review_id"], str(data.get("action")),
                                      data.get("trial_type"))
        return JSONResponse({"row": row, "counts": store.counts()})

    def _add(data: dict[str, Any]) -> dict:  # JSON from the page: every value is checked by store.add
        channels = data.get("channels")
        if not isinstance(channels, list):
            raise ParameterError("must be a list of channel labels", where="channels")
        with change_lock:
            return store.add(onset_s=data.get("onset_s"), duration_s=data.get("duration_s"),
                             trial_type=data.get("trial_type"), channels=channels)

    async def api_add(request: Request) -> Response:
        data = await body_json(request)
        row = await run_in_threadpool(_add, data)
        return JSONResponse({"row": row, "counts": store.counts()})

    async def api_position(request: Request) -> Response:
        data = await body_json(request)
        await run_in_threadpool(store.set_position, str(data.get("review_id")))
        return JSONResponse({"review_id": data.get("review_id")})

    async def api_recompute(request: Request) -> Response:
        def run() -> dict:
            with change_lock:
                return recompute(session.out_dir)  # type: ignore[misc]

        return JSONResponse(await run_in_threadpool(run))

    async def files(request: Request) -> Response:
        name = request.path_params["name"]
        path = confined_file(session.out_dir, name, frozenset(SERVED_FILES))
        if path is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type=SERVED_FILES[name], headers={"content-security-policy": FILE_CSP})

    async def static_file(request: Request) -> Response:
        path = static.get(request.path_params["name"])
        if path is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type=_STATIC_TYPES[path.suffix])

    async def input_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=400)

    async def problem(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=getattr(exc, "status", 400))

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/session", api_session, methods=["GET"]),
        Route("/api/events", api_events, methods=["GET"]),
        Route("/api/events", api_add, methods=["POST"]),
        Route("/api/events/{review_id}", api_change, methods=["POST"]),
        Route("/api/window", api_window, methods=["GET"]),
        Route("/api/position", api_position, methods=["POST"]),
        Route("/files/{name}", files, methods=["GET"]),
        Route("/static/{name}", static_file, methods=["GET"]),
    ]
    if recompute is not None:
        routes.append(Route("/api/recompute", api_recompute, methods=["POST"]))
    app = Starlette(routes=routes,
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(ALLOWED_HOSTS))],
                    exception_handlers={InputError: input_error, _HTTPProblem: problem})
    return GuardMiddleware(app, token=token)


class _HTTPProblem(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


class ReviewServer:
    """Serve a review session on 127.0.0.1 (uvicorn), in the foreground or in a thread.

    Parameters
    ----------
    session : ReviewSession
        The open session (closed by the caller).
    port : int
        TCP port; 0 picks a free one.
    recompute : callable, optional
        See :func:`create_app`.

    Attributes
    ----------
    token : str
        The session token.
    port : int
        The port actually bound.
    url : str
        The page's address, with the token.
    """

    HOST = "127.0.0.1"

    def __init__(self, session: ReviewSession, *, port: int = 0, recompute: Recompute | None = None):
        import uvicorn

        if not 0 <= int(port) <= 65535:
            raise ParameterError(f"must be 0..65535, got {port}", where="port")
        self.token = new_token()
        self.app = create_app(session, token=self.token, recompute=recompute)
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP; with
        # proto 0 Nagle's algorithm held each response body until the client's delayed ACK (+40 ms).
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            self._sock.bind((self.HOST, int(port)))
        except OSError as err:
            self._sock.close()
            raise ParameterError(f"port {port} on {self.HOST} cannot be used ({err.strerror})", where="port",
                                 hint="choose another port, or leave --port out for a free one") from None
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://{self.HOST}:{self.port}/t/{self.token}/"
        # access_log off: the token is part of every request line and must not reach a log.
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                server_header=False, ws="none")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl-C) in this thread."""
        try:
            self._server.run(sockets=[self._sock])
        finally:
            self._sock.close()

    def start(self, *, timeout_s: float = 20.0) -> ReviewServer:
        """Serve in a background thread; return once the server accepts requests."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="myosleep-review", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the review server did not start")
            time.sleep(0.02)
        return self

    def stop(self, *, timeout_s: float = 20.0) -> None:
        """Stop a server started with :meth:`start` and wait for it (idempotent)."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> ReviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
