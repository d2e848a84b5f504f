"""Benchmark: how fast the review page opens an event's window on an 8-h night.

Simulates and analyses one 8-h night, starts the review server (uvicorn on 127.0.0.1, as
``myosleep review`` does) and times the window endpoint over many events, spread across the
night, with the page's default request: 10 s around the event, the event's channels plus a
central EEG, AASM display filters on.  Baselines measured in the same run, on the same
windows and channels: edfio reading the slices lazily (``read_edf(lazy_load_data=True)`` then
``get_data_slice``), and myosleep's own reader (``Recording.get_data``) without filtering or
HTTP.  The figure that matters is the endpoint's time (well under a second is the goal); the
ratios show what HTTP, filtering and JSON add to reading the samples.

    .venv/bin/python benchmarks/bench_review.py [--hours 8] [--events 300] [--span 10]

The file was just written, so it is in the page cache: these are warm-cache times.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np

from myosleep.schema import split_list


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _requests(rows: list[dict], labels: set[str], eeg: str, span_s: float, duration_s: float,
              n: int) -> list[tuple[float, float, list[str]]]:
    """(start_s, stop_s, channels) as the page asks them, for up to ``n`` events spread over the night."""
    step = max(1, len(rows) // n)
    out = []
    for r in rows[::step][:n]:
        centre = float(r["onset"]) + float(r["duration"]) / 2
        start = min(max(0.0, centre - span_s / 2), max(0.0, duration_s - span_s))
        chans = [c for c in split_list(r["channel"]) if c in labels]  # the cell as events.tsv writes it
        out.append((start, start + span_s, [eeg, *chans]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--scenario", default="plmd")
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--span", type=float, default=10.0, help="window length, s (the page's default is 10)")
    args = ap.parse_args()

    import edfio

    from myosleep.pipeline import analyze_to_dir
    from myosleep.review.app import ReviewServer
    from myosleep.review.session import open_session
    from myosleep.simulate import simulate_night

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t = time.perf_counter()
        sim = simulate_night(args.scenario, hours=args.hours, seed=3)
        paths = sim.write(d / "night.edf")
        edf = d / "night.edf"
        hyp = next(p for p in paths if p.name.endswith(".hypnogram.tsv"))
        print(f"simulated {args.hours:g} h '{args.scenario}' in {time.perf_counter() - t:.1f} s "
              f"({edf.stat().st_size / 1e6:.0f} MB)")
        t = time.perf_counter()
        analyze_to_dir(edf, out_dir=d / "out", hypnogram=hyp)
        print(f"analysed in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        session = open_session(d / "out", reviewer="bench")
        open_s = time.perf_counter() - t
        try:
            server = ReviewServer(session, port=0).start()
            try:
                rows = session.store.rows()
                rec = session.recording
                eeg = next(c.label for c in rec.channels if c.label.upper().startswith("C"))
                reqs = _requests(rows, set(rec.labels), eeg, args.span, rec.duration_s, args.events)
                print(f"session opened in {open_s:.2f} s (reads events, checks the recording's sha256); "
                      f"{len(rows)} events, timing {len(reqs)} windows of {args.span:g} s")
                parts = urlsplit(server.url)
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                base = parts.path

                def get(start: float, stop: float, chans: list[str], flt: int = 1) -> tuple[float, int]:
                    # the span from the rounded start: rounding each end apart can make a 120-s window 120.0001 s
                    start, stop = round(start, 4), round(round(start, 4) + round(stop - start, 4), 4)
                    q = urlencode([("start_s", f"{start:.4f}"), ("stop_s", f"{stop:.4f}"), ("filter", flt)]
                                  + [("channel", c) for c in chans])
                    t0 = time.perf_counter()
                    conn.request("GET", f"{base}api/window?{q}")
                    resp = conn.getresponse()
                    body = resp.read()
                    dt = time.perf_counter() - t0
                    if resp.status != 200:
                        sys.exit(f"window request failed: {resp.status} {body[:200]!r}")
                    json.loads(body)
                    return dt, len(body)

                get(*reqs[0])  # first request: imports scipy.signal, designs the filters
                endpoint, sizes = [], []
                for r in reqs:
                    dt, size = get(*r)
                    endpoint.append(dt)
                    sizes.append(size)
                raw_http = [get(*r, flt=0)[0] for r in reqs]
                long_win = [get(max(0.0, r[0] - 55.0), max(0.0, r[0] - 55.0) + 120.0, r[2])[0] for r in reqs[:50]]
                conn.close()

                reader = []
                for start, stop, chans in reqs:
                    t0 = time.perf_counter()
                    for c in chans:
                        rec.get_data(c, start_s=start, stop_s=stop)
                    reader.append(time.perf_counter() - t0)
            finally:
                server.stop()
        finally:
            session.close()

        ed = edfio.read_edf(edf, lazy_load_data=True)
        sig = {s.label: s for s in ed.signals}
        edf_times = []
        for start, stop, chans in reqs:
            t0 = time.perf_counter()
            for c in chans:
                sig[c].get_data_slice(start, stop)
            edf_times.append(time.perf_counter() - t0)

    med = statistics.median
    print(f"\nwindow endpoint over HTTP ({args.span:g} s, event channels + {eeg}, display filters on):")
    print(f"  median {med(endpoint) * 1e3:6.1f} ms   95th percentile {_pct(endpoint, 95) * 1e3:6.1f} ms   "
          f"max {max(endpoint) * 1e3:6.1f} ms   (response {med(sizes) / 1e3:.0f} kB)")
    print(f"  filters off:                 median {med(raw_http) * 1e3:6.1f} ms   95th {_pct(raw_http, 95) * 1e3:6.1f} ms")
    print(f"  120-s windows (the longest): median {med(long_win) * 1e3:6.1f} ms   95th {_pct(long_win, 95) * 1e3:6.1f} ms")
    print("baselines, the same windows and channels, no HTTP:")
    print(f"  edfio lazy get_data_slice:   median {med(edf_times) * 1e3:6.2f} ms   95th {_pct(edf_times, 95) * 1e3:6.2f} ms")
    print(f"  myosleep Recording.get_data: median {med(reader) * 1e3:6.2f} ms   95th {_pct(reader, 95) * 1e3:6.2f} ms")
    print(f"ratio endpoint / edfio read: median {med(endpoint) / med(edf_times):.1f}x; "
          f"endpoint / myosleep read: {med(endpoint) / med(reader):.1f}x")


if __name__ == "__main__":
    main()
