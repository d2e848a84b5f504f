"""Fixtures of the review tests: a tiny hand-made analysis with hostile text, a simulated and analysed
night, a direct ASGI caller (any client address, any Host header), and headless Chromium.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from myosleep.schema import join_list

from ..conftest import make_fixtures

#: Text that would run script if it reached the page as HTML.
HOSTILE_PATIENT = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE_RULE = "<script>document.title='pwned'</script><b>bold</b>"
HOSTILE_LABEL = "<i>c,h</i>&amp;"  # markup, and a comma: events.tsv escapes it (myosleep.schema.join_list)




def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


TINY_EVENTS = [
    # onset, duration, trial_type, channel, stage, peak_amplitude_uv, rule
    ("10.5000", "0.1000", "fragmentary_myoclonus", "EMG LAT", "N2", "40.00", "single-channel potential 100 ms"),
    ("31.0000", "2.0000", "leg_movement", "EMG LAT", "N2", "35.50", HOSTILE_RULE),
    ("62.2500", "0.2000", "hypnic_jerk", "EMG Chin,EMG LAT", "N1", "80.00", "2 body regions"),
    ("90.0000", "1.5000", "leg_movement", join_list(("EMG LAT", HOSTILE_LABEL)), "N2", "n/a", "leg EMG 1.5 s"),
]
TINY_DURATION_S = 120.0


def write_tiny_analysis(root: Path) -> tuple[Path, Path]:
    """A 2-min EDF (EEG, chin, leg and a channel with a hostile label) and a hand-written analysis of it.

    Returns (recording, analysis directory).
    """
    mk = make_fixtures()
    root.mkdir(parents=True, exist_ok=True)
    edf = root / "tiny.edf"
    n = int(TINY_DURATION_S)
    mk.write_edf(edf, [
        {"label": "C3-M2", "sfreq": 256.0, "unit": "uV", "data": mk.test_signal_uv(256 * n, 256.0, seed=1),
         "physical_range": (-500, 500)},
        {"label": "EMG Chin", "sfreq": 512.0, "unit": "uV", "data": mk.test_signal_uv(512 * n, 512.0, seed=2),
         "physical_range": (-500, 500)},
        {"label": "EMG LAT", "sfreq": 512.0, "unit": "uV", "data": mk.test_signal_uv(512 * n, 512.0, seed=3),
         "physical_range": (-500, 500)},
        {"label": HOSTILE_LABEL, "sfreq": 256.0, "unit": "uV", "data": mk.test_signal_uv(256 * n, 256.0, seed=4),
         "physical_range": (-500, 500)},
    ])
    mk.patch_main_field(edf, 8, 80, HOSTILE_PATIENT)
    out = root / "tiny-myosleep"
    out.mkdir()
    header = ["onset", "duration", "trial_type", "channel", "stage", "peak_amplitude_uv", "rule"]
    lines = ["\t".join(header)] + ["\t".join(row) for row in TINY_EVENTS]
    (out / "events.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = {"ruleset": "aasm", "hypnogram_source": "yasa",
               "inputs": {"recording": {"path": str(edf), "name": edf.name, "sha256": _sha256(edf)},
                          "hypnogram": None},
               "channels": {"all": [{"label": "EMG LAT", "role": "leg"}, {"label": "EMG Chin", "role": "chin"},
                                    {"label": "C3-M2", "role": "eeg"}]}}
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (out / "report.html").write_text("<!doctype html><title>report</title><p>report</p>", encoding="utf-8")
    return edf, out


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """(recording, analysis directory) of :func:`write_tiny_analysis`, fresh for each test."""
    return write_tiny_analysis(tmp_path / "tiny")


@pytest.fixture(scope="session")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A simulated 3-h PLMD night and its analysis (``myosleep analyze`` with the true hypnogram).

    Three hours hold the >= 2 h of sleep below which no PLMS index is computed (issue 9, defect 1).
    """
    from myosleep.pipeline import analyze_to_dir
    from myosleep.simulate import simulate_night

    root = tmp_path_factory.mktemp("review-night")
    sim = simulate_night("plmd", hours=3.0, seed=1)
    paths = sim.write(root / "night.edf")
    edf = root / "night.edf"
    hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
    analyze_to_dir(edf, out_dir=root / "analysis", hypnogram=hyp)
    return {"edf": edf, "hypnogram": hyp, "analysis": root / "analysis"}


@pytest.fixture
def night_dir(night: dict[str, Path], tmp_path: Path) -> Path:
    """A fresh copy of the night's analysis directory (each test reviews from scratch)."""
    out = tmp_path / "analysis"
    shutil.copytree(night["analysis"], out)
    return out


class Asgi:
    """Call an ASGI application directly, choosing the client address and the Host header."""

    def __init__(self, app):
        self.app = app

    def __call__(self, method: str, url: str, *, client: tuple[str, int] | None = ("127.0.0.1", 50000),
                 host: str = "127.0.0.1:8000", headers: dict[str, str] | None = None,
                 body: bytes = b"") -> tuple[int, dict[bytes, bytes], bytes]:
        parts = urlsplit(url)

        async def run():
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                     "scheme": "http", "path": unquote(parts.path), "raw_path": parts.path.encode(),
                     "query_string": parts.query.encode(), "root_path": "",
                     "headers": [(b"host", host.encode())] + [(k.lower().encode(), v.encode())
                                                             for k, v in (headers or {}).items()],
                     "client": client, "server": ("127.0.0.1", 8000)}
            sent = False
            messages = []

            async def receive():
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await asyncio.Event().wait()  # the client stays connected until the response is sent

            async def send(message):
                messages.append(message)

            await self.app(scope, receive, send)
            start = next(m for m in messages if m["type"] == "http.response.start")
            data = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
            return start["status"], {k.lower(): v for k, v in start.get("headers", [])}, data

        # in a thread of its own: Playwright's sync API keeps an event loop running in the main thread
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(lambda: asyncio.run(run())).result()

    def json(self, method: str, url: str, data: dict | None = None, **kw):
        body = b"" if data is None else json.dumps(data).encode()
        headers = {"content-type": "application/json"} if data is not None else {}
        status, headers_out, raw = self(method, url, body=body, headers=headers, **kw)
        is_json = headers_out.get(b"content-type", b"").startswith(b"application/json")
        return status, json.loads(raw) if is_json else raw.decode()


