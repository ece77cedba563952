"""The web app: Starlette routes, the loopback/origin/size guard, per-upload temporary folders.

Nothing leaves the machine: the server binds to a loopback address only, pages load no
external resource (Content-Security-Policy ``default-src 'self'``), and each upload lives
in a temporary folder that is deleted as soon as the file has been read (its analysis
outputs are deleted when the upload is replaced, expires or the server stops).
"""

from __future__ import annotations

import csv
import io
import ipaddress
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from reliability._errors import ReliabilityError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024          # 50 MiB: Ofsted's national MI file is ~15 MiB
MAX_SESSIONS = 8
_TEMPLATES = Path(__file__).with_name("templates")
_STATIC = Path(__file__).with_name("static")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def is_loopback(host: str) -> bool:
    """``127.0.0.0/8``, ``::1`` or ``localhost``."""
    h = str(host).strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def one_line(exc: BaseException) -> str:
    """The one-line message shown for an error: a ReliabilityError's own words, otherwise
    the type and message of an internal error (never a traceback)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, ReliabilityError):
        return text
    if isinstance(exc, UnicodeError):
        return f"cannot decode the file: {text}; save it as UTF-8 CSV and upload it again"
    return (f"internal error ({type(exc).__name__}): {text} -- please report it with the file's "
            "layout (not its contents)")


# --------------------------------------------------------------------------- guard
class Guard:
    """ASGI middleware: loopback Host only (no DNS rebinding), same-origin POSTs only,
    request bodies of at most ``max_bytes``; security headers on every response."""

    def __init__(self, app, *, max_bytes: int):
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if not is_loopback(hostname):
            return await _plain(send, 421, "this app answers only on 127.0.0.1 (localhost)")
        if scope["method"] not in _SAFE_METHODS:
            origin = headers.get("origin") or ""
            if not origin or origin == "null":
                ref = headers.get("referer", "")
                origin = "/".join(ref.split("/")[:3]) if ref else ""
            if origin != f"http://{host}":
                return await _plain(send, 403, "refused: a form on another site tried to send "
                                               "data to this app")
            length = headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes:
                return await _plain(send, 413, _too_big(self.max_bytes))
        seen = 0
        limit = self.max_bytes

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                extra = [(b"content-security-policy", _CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await _plain(send, 413, _too_big(limit))


class _TooLarge(Exception):
    pass


def _too_big(limit):
    return f"the file is larger than the limit of {limit // (1024 * 1024)} MB"


async def _plain(send, status, text):
    body = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Error</title>"
            f"</head><body><p id='error'>{text}</p></body></html>").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- jobs
class Job:
    """One analysis running in a background thread: its stage and percentage for the
    progress page (``/s/<token>/progress`` as JSON), then ``done`` or a one-line error."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = "running"
        self.stage = "Starting"
        self.percent = 0.0
        self.stages: list[str] = []
        self.error = ""
        self.started = time.perf_counter()
        self.seconds = 0.0

    def update(self, stage: str, percent: float) -> None:
        with self.lock:
            self.stage = str(stage)
            self.percent = max(self.percent, min(100.0, float(percent)))
            if not self.stages or self.stages[-1] != self.stage:
                self.stages.append(self.stage)

    def finish(self, error: str = "") -> None:
        with self.lock:
            self.seconds = time.perf_counter() - self.started
            if error:
                self.state, self.error = "error", error
            else:
                self.state, self.percent, self.stage = "done", 100.0, "Done"
                self.stages.append("Done")

    def snapshot(self) -> dict:
        with self.lock:
            seconds = self.seconds if self.state != "running" else \
                time.perf_counter() - self.started
            return {"state": self.state, "stage": self.stage,
                    "percent": round(self.percent), "stages": list(self.stages),
                    "seconds": round(seconds, 1), "error": self.error}


def run_job(store: "Store", s: "Session", choices: dict, job: Job) -> None:
    """The worker thread: run the question, record the outcome on the job; if the upload
    was dropped meanwhile (the app keeps the latest few), delete what the job wrote."""
    from reliability.app import views

    try:
        views.run_question(s, choices, progress=job.update)
    except Exception as exc:  # shown on the page as one line
        job.finish(one_line(exc))
    else:
        job.finish()
    finally:
        with store.lock:
            dropped = store.sessions.get(s.token) is not s
        if dropped:
            shutil.rmtree(s.folder, ignore_errors=True)
            if store.closed and store._own:      # the app stopped meanwhile: all of it
                shutil.rmtree(store.root, ignore_errors=True)


# --------------------------------------------------------------------------- sessions
@dataclass
class Session:
    token: str
    folder: Path
    table: object = None
    outcome: object = None
    report: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    seconds: float = 0.0
    created: float = field(default_factory=time.time)
    job: Job | None = None


class Store:
    """Uploads by random token, each with its own temporary folder; the oldest are dropped
    (folder deleted) beyond ``MAX_SESSIONS``; :meth:`close` deletes everything."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="reliability-app-"))
        self._own = root is None
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.lock = threading.Lock()
        self.closed = False

    def new(self) -> Session:
        token = secrets.token_urlsafe(18)
        folder = self.root / token
        folder.mkdir(parents=True)
        s = Session(token, folder)
        with self.lock:
            self.sessions[token] = s
            while len(self.sessions) > MAX_SESSIONS:
                _, old = self.sessions.popitem(last=False)
                shutil.rmtree(old.folder, ignore_errors=True)
        return s

    def get(self, token: str) -> Session:
        with self.lock:
            s = self.sessions.get(token)
        if s is None:
            raise KeyError(token)
        return s

    def close(self):
        with self.lock:
            self.closed = True
            for s in self.sessions.values():
                shutil.rmtree(s.folder, ignore_errors=True)
            self.sessions.clear()
        if self._own:
            shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------- PDF
def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary for ``--print-to-pdf``, or None."""
    env = os.environ.get("RELIABILITY_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 120) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (the report's print
    stylesheet applies). Raises ReliabilityError if Chromium is missing or fails."""
    exe = find_chromium()
    if exe is None:
        raise ReliabilityError("making a PDF needs Chromium (apt-get install chromium); use "
                               "the browser's Print > Save as PDF instead")
    with tempfile.TemporaryDirectory(prefix="reliability-pdf-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
               f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}",
               html_path.resolve().as_uri()]
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReliabilityError(f"Chromium could not print the PDF ({type(exc).__name__})") \
                from None
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise ReliabilityError("Chromium did not write the PDF")


# --------------------------------------------------------------------------- app
def create_app(*, max_upload_bytes: int = MAX_UPLOAD_BYTES, store: Store | None = None):
    """The ASGI app. ``store`` (default: a fresh temporary folder) holds the uploads."""
    import jinja2
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
    from starlette.routing import Route

    from reliability.app import views

    store = store or Store()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html"]),
                             undefined=jinja2.StrictUndefined)

    def render(template, status=200, **context):
        from reliability._version import __version__

        return HTMLResponse(env.get_template(template).render(version=__version__, **context),
                            status_code=status)

    def session_or_404(request):
        try:
            return store.get(request.path_params["token"])
        except KeyError:
            return None

    def gone():
        return render("index.html", status=404, max_mb=max_upload_bytes // (1024 * 1024),
                      error="this upload is no longer here (the app keeps only the latest "
                            "few, and none after a restart): upload the file again")

    async def index(request):
        return render("index.html", max_mb=max_upload_bytes // (1024 * 1024), error=None)

    async def upload(request):
        from starlette.concurrency import run_in_threadpool

        try:
            form = await request.form(max_files=1, max_fields=20)
        except _TooLarge:
            return render("index.html", status=413, max_mb=max_upload_bytes // (1024 * 1024),
                          error=_too_big(max_upload_bytes))
        except Exception as exc:  # malformed multipart
            return render("index.html", status=400, max_mb=max_upload_bytes // (1024 * 1024),
                          error=f"the upload could not be read ({type(exc).__name__})")
        item = form.get("file")
        if item is None or not hasattr(item, "read") or not getattr(item, "filename", ""):
            return render("index.html", status=400, max_mb=max_upload_bytes // (1024 * 1024),
                          error="choose a file to upload (CSV or Excel .xlsx)")
        name = Path(item.filename).name or "upload"
        s = store.new()
        try:
            data = await item.read()
            s.table = await run_in_threadpool(views.read_upload, s.folder, name, data)
        except Exception as exc:
            shutil.rmtree(s.folder, ignore_errors=True)
            with store.lock:
                store.sessions.pop(s.token, None)
            return render("index.html", status=400, max_mb=max_upload_bytes // (1024 * 1024),
                          error=one_line(exc), filename=name)
        finally:
            await item.close()
        return RedirectResponse(f"/s/{s.token}", status_code=303)

    async def choose(request):
        s = session_or_404(request)
        if s is None:
            return gone()
        return render("choose.html", **views.choose_context(s), error=None)

    async def analyse(request):
        from starlette.concurrency import run_in_threadpool

        s = session_or_404(request)
        if s is None:
            return gone()
        form = await request.form(max_files=0, max_fields=200)
        choices = {k: form.getlist(k) if k == "areas" else form.get(k) for k in form.keys()
                   if k != "background"}
        if form.get("background") == "1":        # the page shows progress (app.js)
            if s.job is not None and s.job.state == "running":
                return RedirectResponse(f"/s/{s.token}/working", status_code=303)
            s.choices = choices
            s.job = Job()
            threading.Thread(target=run_job, args=(store, s, choices, s.job), daemon=True,
                             name=f"reliability-app-{s.token[:6]}").start()
            return RedirectResponse(f"/s/{s.token}/working", status_code=303)
        s.choices = choices
        try:
            await run_in_threadpool(views.run_question, s, choices)
        except Exception as exc:
            return render("choose.html", status=400, **views.choose_context(s),
                          error=one_line(exc))
        return RedirectResponse(f"/s/{s.token}/report", status_code=303)

    async def working(request):
        s = session_or_404(request)
        if s is None:
            return gone()
        job = s.job
        if job is None:
            return RedirectResponse(f"/s/{s.token}", status_code=303)
        snap = job.snapshot()
        if snap["state"] == "error":
            s.job = None                       # the message is shown once, on the form
            return render("choose.html", status=400, **views.choose_context(s),
                          error=snap["error"])
        return render("working.html", token=s.token, name=s.table.name, job=snap,
                      error=None)

    async def progress(request):
        from starlette.responses import JSONResponse

        s = session_or_404(request)
        if s is None or s.job is None:
            return JSONResponse({"state": "none", "next": "/"}, status_code=404)
        snap = s.job.snapshot()
        snap["next"] = (f"/s/{s.token}/report" if snap["state"] == "done"
                        else f"/s/{s.token}/working")
        return JSONResponse(snap)

    async def report(request):
        s = session_or_404(request)
        if s is None:
            return gone()
        if s.outcome is None:
            return RedirectResponse(f"/s/{s.token}", status_code=303)
        return HTMLResponse(views.report_page(s, pdf=find_chromium() is not None))

    async def download(request):
        from starlette.concurrency import run_in_threadpool

        s = session_or_404(request)
        if s is None:
            return gone()
        name = request.path_params["name"]
        if s.outcome is None:
            return RedirectResponse(f"/s/{s.token}", status_code=303)
        out = s.folder / "report"
        if name == "report.pdf":
            pdf = out / "report.pdf"
            if not pdf.exists():
                try:
                    await run_in_threadpool(html_to_pdf, out / "report.html", pdf)
                except ReliabilityError as exc:
                    return render("choose.html", status=500, **views.choose_context(s),
                                  error=one_line(exc))
        files = views.download_files(s)
        if name not in files:
            return Response("no such file", status_code=404, media_type="text/plain")
        path, media = files[name]
        return FileResponse(path, media_type=media, filename=views.download_name(s, name))

    async def static(request):
        name = request.path_params["name"]
        p = _STATIC / name
        if name not in {"app.js", "app.css"} or not p.exists():
            return Response("not found", status_code=404, media_type="text/plain")
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(p.read_text(encoding="utf-8"), media_type=media)

    async def not_found(request, exc):
        return HTMLResponse("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                            "<title>Not found</title></head><body><p id='error'>page not "
                            "found: <a href='/'>start again</a></p></body></html>",
                            status_code=getattr(exc, "status_code", 404))

    async def server_error(request, exc):
        return HTMLResponse("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                            "<title>Error</title></head><body><p id='error'>"
                            + views.esc(one_line(exc)) + "</p><p><a href='/'>start again</a>"
                            "</p></body></html>", status_code=500)

    routes = [
        Route("/", index),
        Route("/upload", upload, methods=["POST"]),
        Route("/s/{token}", choose),
        Route("/s/{token}/analyse", analyse, methods=["POST"]),
        Route("/s/{token}/working", working),
        Route("/s/{token}/progress", progress),
        Route("/s/{token}/report", report),
        Route("/s/{token}/download/{name}", download),
        Route("/static/{name}", static),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found,
                                                       500: server_error})
    app.state.store = store
    return Guard(app, max_bytes=max_upload_bytes)


def serve(*, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Run the app until interrupted (Ctrl+C), on a loopback address only."""
    import socket
    import webbrowser

    try:
        import uvicorn
    except ImportError:
        raise ReliabilityError("the app needs its extra packages: pip install "
                               "'inspection-reliability[app]'") from None
    if not is_loopback(host):
        raise ReliabilityError(f"--host {host!r} is not a loopback address: the app serves "
                               "only this computer (use 127.0.0.1)")
    if not 0 <= int(port) <= 65535:
        raise ReliabilityError(f"--port must be 0-65535; got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except OSError as exc:
        sock.close()
        raise ReliabilityError(f"cannot listen on {host}:{port} ({exc.strerror}); try another "
                               "--port, or --port 0 for any free one") from None
    port = sock.getsockname()[1]
    store = Store()
    app = create_app(max_upload_bytes=max_upload_bytes, store=store)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    print(f"reliability app: open {url} in your browser (Ctrl+C to stop)", flush=True)
    if open_browser:
        threading.Timer(0.8, lambda: webbrowser.open(url)).start()
    try:
        server.run(sockets=[sock])
    finally:
        store.close()
        sock.close()
