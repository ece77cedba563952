"""A running app on 127.0.0.1 (a free port) for the HTTP and browser tests."""

from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("starlette", reason="the web app needs starlette (pip install '.[dev]')")
pytest.importorskip("uvicorn", reason="the web app needs uvicorn (pip install '.[dev]')")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    import uvicorn

    from reliability.app.server import Store, create_app

    root = tmp_path_factory.mktemp("app-store")
    store = Store(root)
    app = create_app(store=store, max_upload_bytes=8 * 1024 * 1024)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):                       # wait for the server to accept connections
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the app server did not start"
    yield {"url": f"http://127.0.0.1:{port}", "store": store, "root": root}
    server.should_exit = True
    thread.join(timeout=10)
    store.close()
    sock.close()
