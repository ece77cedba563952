"""The app over HTTP: the flow, its guards (loopback Host, same-origin POSTs, size limit),
one-line errors and the temporary folders."""

from __future__ import annotations

import io
import json
import re

import pytest

pytest.importorskip("httpx", reason="the HTTP tests need httpx (pip install '.[dev]')")
import httpx  # noqa: E402

from pathlib import Path

WM = Path(__file__).resolve().parents[2] / "datasets" / "ofsted_outcomes_2023-08-31_west_midlands.csv"


@pytest.fixture
def client(live_app):
    with httpx.Client(base_url=live_app["url"], follow_redirects=False, timeout=60,
                      headers={"Origin": live_app["url"]}) as c:
        yield c


def _upload(client, name, data):
    return client.post("/upload", files={"file": (name, data, "text/csv")})


def test_flow_grades_vs_deprivation(client, live_app):
    with open(WM, "rb") as fh:
        r = _upload(client, "wm.csv", fh.read())
    assert r.status_code == 303
    page = r.headers["location"]
    token = page.rsplit("/", 1)[1]
    folder = live_app["root"] / token
    assert folder.is_dir() and list(folder.iterdir()) == []      # the upload is deleted
    r = client.get(page)
    assert r.status_code == 200 and "graded framework" in r.text and "Bordesley" in r.text
    r = client.post(f"{page}/analyse", data={"question": "context",
                                              "grade": "overall_effectiveness",
                                              "context": "deprivation_rank", "only": "Primary",
                                              "min_cell": "10"})
    assert r.status_code == 303, r.text
    r = client.get(r.headers["location"])
    assert "Among the 552 primary schools in the most deprived fifth" in r.text
    res = client.get(f"{page}/download/results.json")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    assert json.loads(res.text)["headline"]["high"]["n"] == 552
    csv = client.get(f"{page}/download/grades-by-band.csv")
    assert csv.status_code == 200 and csv.text.startswith("IDACI quintile,Schools")
    assert "attachment" in csv.headers["content-disposition"]
    assert client.get(f"{page}/download/../../etc/passwd").status_code == 404


def test_cross_origin_and_foreign_host_refused(client, live_app):
    r = client.post("/upload", files={"file": ("a.csv", b"g\n1\n")},
                    headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/upload", files={"file": ("a.csv", b"g\n1\n")}, headers={"Origin": ""})
    assert r.status_code == 403                                 # no origin, no referer
    r = client.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 421                                 # DNS rebinding
    assert "default-src 'self'" in client.get("/").headers["content-security-policy"]


def test_upload_size_limit(client):
    big = b"g\n" + b"1\n" * (5 * 1024 * 1024)                   # 10 MB > the 8 MB limit
    r = _upload(client, "big.csv", big)
    assert r.status_code == 413 and "larger than the limit" in r.text


@pytest.mark.parametrize("name, data, message", [
    ("empty.csv", b"", "is empty"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "old Excel file"),
    ("dup.csv", b"a,a\n1,2\n", "dup.csv has a duplicated column"),
    ("pic.png", b"\x89PNG", "upload a CSV file"),
])
def test_bad_files_one_line_message(client, name, data, message):
    r = _upload(client, name, data)
    assert r.status_code == 400
    err = re.search(r"<p class=\"error\" id=\"error\" role=\"alert\">(.*?)</p>", r.text, re.S)
    assert err and message in err.group(1) and "\n" not in err.group(1).strip()
    assert "Traceback" not in r.text


def test_bad_choice_shown_on_the_page(client):
    r = _upload(client, "g.csv", b"grade,team_a\n1,2\n2,2\n" * 20)
    page = r.headers["location"]
    r = client.post(f"{page}/analyse", data={"question": "inspectors", "grade": "grade",
                                              "inspector": "team_a", "key": "short"})
    assert r.status_code == 400 and "at least 8 characters" in r.text
    assert "Traceback" not in r.text


def test_xlsx_upload(client):
    openpyxl = pytest.importorskip("openpyxl", reason="xlsx needs openpyxl (in .[dev])")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["grade", "fsm"])
    for i in range(300):
        ws.append([1 + i % 4, 1 + (i * 7) % 5])
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(client, "g.xlsx", buf.getvalue())
    assert r.status_code == 303
    r = client.post(f"{r.headers['location']}/analyse",
                    data={"question": "context", "grade": "grade", "context": "fsm",
                          "deprived_end": "high", "min_cell": "10"})
    assert r.status_code == 303


def test_store_close_deletes_everything(tmp_path):
    from reliability.app.server import Store

    store = Store()
    s = store.new()
    (s.folder / "x").write_text("y")
    root = store.root
    store.close()
    assert not root.exists()


def test_host_must_be_loopback():
    from reliability._errors import ReliabilityError
    from reliability.app.server import is_loopback, serve

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    with pytest.raises(ReliabilityError, match="loopback"):
        serve(host="0.0.0.0", port=0, open_browser=False)
