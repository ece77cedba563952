"""The analysis in the background: the progress page, its JSON endpoint (stage and
percentage), then the report or the one-line error; the app's guards still apply."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="the HTTP tests need httpx (pip install '.[dev]')")

WM = Path(__file__).resolve().parents[2] / "datasets" / "ofsted_outcomes_2023-08-31_west_midlands.csv"
BASE = "http://127.0.0.1"


@pytest.fixture
def client(tmp_path):
    import warnings

    with warnings.catch_warnings():       # newer Starlette prefers httpx2; httpx works
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from reliability.app.server import Store, create_app

    store = Store(tmp_path / "store")
    app = create_app(store=store, max_upload_bytes=8 * 1024 * 1024)
    with TestClient(app, base_url=BASE, follow_redirects=False,
                    headers={"Origin": BASE}) as c:
        c.store = store
        yield c
    store.close()


def _upload(client, name, data):
    r = client.post("/upload", files={"file": (name, data, "text/csv")})
    assert r.status_code == 303, r.text
    return r.headers["location"]


def _follow(client, page, max_polls=2000):
    """Poll the JSON endpoint as the page does until the job stops; every answer seen."""
    seen = []
    for _ in range(max_polls):
        r = client.get(f"{page}/progress")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        p = r.json()
        seen.append(p)
        if p["state"] != "running":
            return seen
        time.sleep(0.02)
    raise AssertionError(f"the job did not stop after {max_polls} polls: {seen[-1]}")


def test_progress_then_report(client):
    page = _upload(client, "wm.csv", WM.read_bytes())
    token = page.rsplit("/", 1)[1]
    r = client.post(f"{page}/analyse", data={"question": "context",
                                              "grade": "overall_effectiveness",
                                              "context": "deprivation_rank", "only": "Primary",
                                              "min_cell": "10", "background": "1"})
    assert r.status_code == 303 and r.headers["location"] == f"{page}/working"
    w = client.get(f"{page}/working")
    assert w.status_code == 200
    assert "<progress id=\"progress\"" in w.text and f"/s/{token}/progress" in w.text
    seen = _follow(client, page)
    last = seen[-1]
    assert last["state"] == "done" and last["percent"] == 100, last
    assert last["next"] == f"/s/{token}/report"
    percents = [p["percent"] for p in seen]
    assert percents == sorted(percents)                 # never goes back
    stages = last["stages"]
    # the stages the report announced, in order, then writing and done
    assert stages[0] == "Checking your choices" and stages[-1] == "Done"
    assert any(s.startswith("Grades by IDACI quintile") for s in stages), stages
    assert stages.index("Drawing the chart") < stages.index(
        "Writing the report: HTML, charts and JSON") < stages.index("Writing the tables as CSV")
    for p in seen:                                      # each answer is a stage of the list
        assert p["stage"] in stages or p["stage"] == "Starting"
    rep = client.get(last["next"])
    assert "Among the 552 primary schools in the most deprived fifth" in rep.text
    # the working page of a finished job links to the report; the form path still works
    assert "open-report" in client.get(f"{page}/working").text
    r = client.post(f"{page}/analyse", data={"question": "grades",
                                              "grade": "overall_effectiveness"})
    assert r.status_code == 303 and r.headers["location"] == f"{page}/report"


def test_background_error_is_shown_once_on_the_form(client):
    page = _upload(client, "g.csv", b"grade,team_a\n1,2\n2,2\n" * 20)
    r = client.post(f"{page}/analyse", data={"question": "inspectors", "grade": "grade",
                                              "inspector": "team_a", "key": "short",
                                              "background": "1"})
    assert r.status_code == 303
    last = _follow(client, page)[-1]
    assert last["state"] == "error" and "at least 8 characters" in last["error"]
    assert last["next"] == f"{page}/working"
    w = client.get(last["next"])
    assert w.status_code == 400 and "at least 8 characters" in w.text
    assert 'id="question-form"' in w.text and "Traceback" not in w.text
    # shown once: the job is forgotten, the progress endpoint has nothing more to say
    assert client.get(f"{page}/progress").status_code == 404
    assert client.get(f"{page}/working").status_code == 303


def test_progress_endpoint_guards(client):
    assert client.get("/s/nonsense/progress").status_code == 404
    assert client.get("/s/nonsense/progress", headers={"Host": "evil.example"}).status_code == 421
    page = _upload(client, "g.csv", b"grade\n1\n2\n" * 30)
    assert client.get(f"{page}/progress").status_code == 404      # no job started yet
    assert client.get(f"{page}/working").status_code == 303       # back to the form
    r = client.post(f"{page}/analyse", data={"question": "grades", "grade": "grade",
                                              "background": "1"},
                    headers={"Origin": "http://evil.example"})
    assert r.status_code == 403                                   # same-origin POSTs only
    r = client.get(f"{page}/progress")
    assert r.status_code == 404
    assert r.headers["cache-control"] == "no-store"


def test_dropped_upload_loses_its_report_files(client):
    """An upload dropped while its analysis runs (the app keeps the latest 8): the job's
    report files are deleted when it ends, and nothing of it is served."""
    from reliability.app.server import MAX_SESSIONS, Job, run_job

    page = _upload(client, "wm.csv", WM.read_bytes())
    token = page.rsplit("/", 1)[1]
    s = client.store.get(token)
    for i in range(MAX_SESSIONS):                                 # push it out of the store
        _upload(client, f"g{i}.csv", b"grade\n1\n2\n")
    assert token not in client.store.sessions and not s.folder.exists()
    job = Job()
    run_job(client.store, s, {"question": "grades", "grade": "overall_effectiveness"}, job)
    assert job.state == "done" and s.outcome is not None         # it ran and wrote ...
    assert not s.folder.exists()                                  # ... and its files are gone
    assert client.get(f"{page}/progress").status_code == 404


def test_job_ending_after_the_app_stopped_leaves_nothing(tmp_path):
    """The app stops (its temporary root deleted) while a job runs: when the job ends, what
    it wrote meanwhile is deleted too, root and all."""
    from reliability.app.server import Job, Store, run_job
    from reliability.app.views import read_upload

    store = Store()                                      # its own temporary root
    s = store.new()
    s.table = read_upload(s.folder, "g.csv", b"grade\n" + b"1\n2\n3\n" * 20)
    store.close()
    assert not store.root.exists()
    job = Job()
    run_job(store, s, {"question": "grades", "grade": "grade"}, job)
    assert job.state == "done"
    assert not store.root.exists()
