"""``reliability app [--host 127.0.0.1] [--port N] [--no-browser]``: the local web app."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "app", help="local web app: upload a file, pick a question, read and download the report",
        description="Start the web app on this computer and open it in the browser. It serves "
                    "only this computer (a loopback address), needs no internet and sends "
                    "nothing anywhere. Stop it with Ctrl+C.")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765,
                   help="port (default 8765; 0 picks a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open the browser")
    p.add_argument("--max-upload-mb", type=int, default=50,
                   help="largest file accepted, in MB (default 50)")
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability._errors import ReliabilityError

    if not 1 <= args.max_upload_mb <= 2048:
        raise ReliabilityError(f"--max-upload-mb must be 1-2048; got {args.max_upload_mb}")
    try:
        from reliability.app import serve
    except ImportError as exc:
        raise ReliabilityError(f"the app needs its extra packages ({exc.name} is missing): "
                               "pip install 'inspection-reliability[app]'") from None
    serve(host=args.host, port=args.port, open_browser=not args.no_browser,
          max_upload_bytes=args.max_upload_mb * 1024 * 1024)
    return 0
