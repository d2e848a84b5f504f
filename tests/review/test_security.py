"""Loopback only, the session token on every request, the Host check, files confined to DIR, escaping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from myosleep.review.app import create_app
from myosleep.review.security import confined_file, is_loopback, new_token, token_matches
from myosleep.review.session import open_session

from .conftest import HOSTILE_LABEL, HOSTILE_PATIENT, Asgi

TOKEN = new_token()
BASE = f"/t/{TOKEN}"


@pytest.fixture
def app(tiny):
    _, out = tiny
    session = open_session(out, reviewer="Sec Tester")
    try:
        yield Asgi(create_app(session, token=TOKEN)), out
    finally:
        session.close()


def test_check_functions():
    for host in ("127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"):
        assert is_loopback(host), host
    for host in ("192.168.1.5", "10.0.0.1", "0.0.0.0", "::", "8.8.8.8", "::ffff:192.168.1.5", "localhost",
                 "testclient", "", None):
        assert not is_loopback(host), host
    token = new_token()
    assert len(token) >= 43 and token != new_token()
    assert token_matches(token, token)
    assert not token_matches(token[:-1], token) and not token_matches("", token) and not token_matches(None, token)


def test_confined_file(tmp_path):
    base = tmp_path / "dir"
    base.mkdir()
    (base / "events.tsv").write_text("x")
    (tmp_path / "secret.txt").write_text("secret")
    allowed = frozenset({"events.tsv", "summary.json", "../secret.txt"})
    assert confined_file(base, "events.tsv", allowed) == (base / "events.tsv").resolve()
    assert confined_file(base, "summary.json", allowed) is None  # allowed but missing
    assert confined_file(base, "../secret.txt", allowed) is None  # traversal, even if listed
    assert confined_file(base, "secret.txt", allowed) is None
    (base / "summary.json").symlink_to(tmp_path / "secret.txt")  # a link out of DIR
    assert confined_file(base, "summary.json", allowed) is None


def test_requests_without_the_token_are_refused(app):
    call, out = app
    assert call("GET", f"{BASE}/")[0] == 200
    status, headers, body = call("GET", f"{BASE}/api/events")
    assert status == 200 and len(json.loads(body)["rows"]) == 4
    for url in ("/", "/api/events", "/api/session", "/t/", f"/t/{TOKEN[:-1]}/api/events", f"/t/x{TOKEN}/api/events",
                f"/api/events?token={TOKEN}", f"/T/{TOKEN}/api/events", "/static/review.js", "/files/events.tsv"):
        status, _, body = call("GET", url)
        assert status == 403, url
        assert b"rows" not in body
    status, _ = call.json("POST", "/t/wrong/api/events/d0", {"action": "reject"})
    assert status == 403
    status, _ = call.json("POST", "/api/events/d0", {"action": "reject"})
    assert status == 403
    rows = json.loads(call("GET", f"{BASE}/api/events")[2])["rows"]
    assert {r["status"] for r in rows} == {"unreviewed"}
    assert [json.loads(line)["action"] for line in (out / "review_log.jsonl").read_text().splitlines()] == ["open"]
    # /t/<token> without the slash goes to the page
    status, headers, _ = call("GET", BASE)
    assert status == 307 and headers[b"location"] == f"{BASE}/".encode()


def test_requests_from_other_machines_are_refused(app):
    call, out = app
    for client in (("192.168.1.5", 40000), ("10.0.0.7", 1), ("::ffff:8.8.8.8", 2), None):
        assert call("GET", f"{BASE}/api/events", client=client)[0] == 403
        status, _ = call.json("POST", f"{BASE}/api/events/d0", {"action": "reject"}, client=client)
        assert status == 403
    assert call("GET", f"{BASE}/api/events", client=("127.0.0.1", 1))[0] == 200
    assert "reject" not in (out / "review_log.jsonl").read_text()


def test_host_header_must_be_the_loopback_name(app):
    call, _ = app
    assert call("GET", f"{BASE}/api/events", host="localhost:5555")[0] == 200
    assert call("GET", f"{BASE}/api/events", host="127.0.0.1")[0] == 200
    for host in ("evil.example:8000", "127.0.0.1.evil.example", "192.168.1.5:8000"):
        assert call("GET", f"{BASE}/api/events", host=host)[0] == 400, host


def test_only_listed_files_inside_dir_are_served(app, tmp_path):
    call, out = app
    status, headers, body = call("GET", f"{BASE}/files/events.tsv")
    assert status == 200 and body == (out / "events.tsv").read_bytes()
    assert headers[b"content-type"].startswith(b"text/tab-separated-values")
    status, headers, _ = call("GET", f"{BASE}/files/report.html")
    assert status == 200 and b"sandbox" in headers[b"content-security-policy"]
    secret = out.parent / "secret.txt"
    secret.write_text("do not serve")
    for url in ("/files/../secret.txt", "/files/..%2fsecret.txt", "/files/%2e%2e%2fsecret.txt",
                "/files/secret.txt", "/files/.review.lock", "/files/review_state.json", "/files//etc/passwd",
                "/files/%2fetc%2fpasswd", "/static/../app.py", "/static/..%2fapp.py", "/static/%2e%2e%2fsession.py",
                "/../../secret.txt", "/api/../files/secret.txt"):
        status, _, body = call("GET", f"{BASE}{url}")
        assert status in (403, 404), url
        assert b"do not serve" not in body and b"import" not in body and b"root:" not in body, url
    os.replace(out / "summary.json", out / "summary.real.json")
    (out / "summary.json").symlink_to(secret)  # a listed name that points outside DIR
    status, _, body = call("GET", f"{BASE}/files/summary.json")
    assert status == 404 and b"do not serve" not in body


def test_changes_need_json_and_valid_values(app):
    call, out = app
    status, _, _ = call("POST", f"{BASE}/api/events/d0", body=b"action=reject",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 415  # what a cross-site form could send
    status, body = call.json("POST", f"{BASE}/api/events/d0", {"action": "relabel", "trial_type": "<b>x</b>"})
    assert status == 400 and "unknown class" in body["error"]
    status, body = call.json("POST", f"{BASE}/api/events", {"onset_s": 5, "duration_s": 1,
                                                            "trial_type": "leg_movement", "channels": ["/etc/passwd"]})
    assert status == 400 and "unknown channel" in body["error"]
    status, body = call.json("GET", f"{BASE}/api/window?start_s=0&stop_s=10&channel=nope")
    assert status == 400 and "no channel 'nope'" in body["error"]
    status, body = call.json("GET", f"{BASE}/api/window?start_s=0&stop_s=3600&channel=EMG%20LAT")
    assert status == 400 and "at most 120 s" in body["error"]
    status, _, _ = call("POST", f"{BASE}/api/events/d0", body=b"x" * 70_000, headers={"content-type": "application/json"})
    assert status == 413
    assert "reject" not in (out / "review_log.jsonl").read_text()
    status, body = call.json("POST", f"{BASE}/api/events/d0", {"action": "reject"})
    assert status == 200 and body["row"]["status"] == "rejected"


def test_security_headers_and_escaped_page(app):
    call, _ = app
    status, headers, body = call("GET", f"{BASE}/")
    html = body.decode()
    csp = headers[b"content-security-policy"].decode()
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers[b"referrer-policy"] == b"no-referrer" and headers[b"x-content-type-options"] == b"nosniff"
    assert HOSTILE_PATIENT not in html and "<img" not in html
    assert "&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;" in html
    assert "<script" not in html.replace('<script src="static/uPlot.iife.min.js" defer></script>', "").replace(
        '<script type="module" src="static/review.js"></script>', "")
    # the session data carries the hostile strings as JSON text, for textContent on the page
    session = json.loads(call("GET", f"{BASE}/api/session")[2])
    assert session["recording"]["patient"] == HOSTILE_PATIENT
    assert HOSTILE_LABEL in [c["label"] for c in session["recording"]["channels"]]
    _, headers, body = call("GET", f"{BASE}/static/review.js")
    assert headers[b"content-type"].startswith(b"text/javascript") and b"innerHTML" not in body
    for name in ("overview.js", "traces.js", "format.js", "api.js"):
        assert b"innerHTML" not in call("GET", f"{BASE}/static/{name}")[2]


def test_recompute_is_absent_until_a_function_is_given(tiny):
    _, out = tiny
    calls: list[Path] = []

    def recompute(directory: Path) -> dict:
        calls.append(directory)
        rows = (directory / "events.reviewed.tsv").read_text().splitlines()
        return {"n_rows": len(rows) - 1}

    with open_session(out, reviewer="R") as session:
        plain = Asgi(create_app(session, token=TOKEN))
        assert 'id="btn-recompute"' not in plain("GET", f"{BASE}/")[2].decode()
        assert plain.json("POST", f"{BASE}/api/recompute", {})[0] in (404, 405)
        assert json.loads(plain("GET", f"{BASE}/api/session")[2])["recompute"] is False
        wired = Asgi(create_app(session, token=TOKEN, recompute=recompute))
        assert 'id="btn-recompute"' in wired("GET", f"{BASE}/")[2].decode()
        assert wired.json("POST", "/t/nope/api/recompute", {})[0] == 403
        assert calls == []
        status, body = wired.json("POST", f"{BASE}/api/recompute", {})
        assert status == 200 and body == {"n_rows": 4} and calls == [out]
