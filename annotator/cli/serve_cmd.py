"""`annotator serve`: the app in web browsers (annotator/web/server.py)."""

from __future__ import annotations

import argparse

from annotator.cli import Commands, open_workspace


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the app to web browsers (one session per tab; no authentication: see the README)",
        description="Serve the app to web browsers with textual-serve: every tab is its own session, which "
        "asks who is annotating (a name open in another session is read-only there). There is no "
        "authentication: it listens on 127.0.0.1 unless told otherwise; reach it through an SSH tunnel "
        "or a proxy that authenticates. Nothing on the page loads from outside this server.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from annotator.core.errors import AnnotatorError
    from annotator.web.server import AnnotatorServer, check_free

    if not 0 < args.port < 65536:
        raise AnnotatorError(f"bad port {args.port}", "--port", "a number from 1 to 65535")
    workspace = open_workspace(args)
    check_free(args.host, args.port)
    AnnotatorServer(workspace, args.host, args.port).serve()
    return 0
