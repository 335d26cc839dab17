"""``annotator serve``: the same app, one process per browser tab, through textual-serve.

textual-serve's :class:`~textual_serve.server.Server` runs ``command`` for every websocket a
page opens, with Textual's web driver; the browser draws it with xterm.js. What this module
adds is policy:

- the command: ``python -m annotator --workspace ROOT --bidi app --ask-name``. xterm.js does
  no BiDi, so the app lays Arabic out itself whatever the workspace config says; each tab asks
  who is annotating and writes nothing to the (server's, shared) user config. A name already
  open in another session opens read-only (:mod:`annotator.core.annotations.session`).
- the page (``templates/app_index.html``): loads only from this server (textual-serve's own
  script, stylesheet and fonts; Arabic falls back to the browser machine's monospaced fonts),
  uses relative paths and the page's own address for its websocket (an SSH tunnel on another
  port, a proxy under a sub-path), and says that there is no authentication.
- binding: 127.0.0.1 unless told otherwise, a port already taken said in one line before
  anything starts, and what the server is and how to reach it safely printed at start.
"""

from __future__ import annotations

import errno
import ipaddress
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from textual_serve.server import Server

from annotator.core.errors import AnnotatorError
from annotator.core.workspace import Workspace

TEMPLATES = Path(__file__).parent / "templates"

NO_AUTHENTICATION = (
    "annotator serve has no authentication of its own: anyone who can open its address can annotate "
    "under any name. Keep it on 127.0.0.1 and reach it through an SSH tunnel, or put it behind a proxy "
    "that authenticates (README: 'annotator in a browser')."
)


def session_command(workspace: Workspace) -> str:
    """The shell command textual-serve runs for each browser tab."""
    argv = [sys.executable, "-m", "annotator", "--workspace", str(workspace.root), "--bidi", "app", "--ask-name"]
    return shlex.join(argv)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_free(host: str, port: int) -> None:
    """AnnotatorError (one line) if ``host:port`` cannot be listened on, before the server starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise AnnotatorError(f"cannot listen on {host}:{port}", "--host", f"unknown host ({exc.strerror})") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            why = (
                "another program listens there: pick another --port" if exc.errno == errno.EADDRINUSE else exc.strerror
            )
            raise AnnotatorError(f"cannot listen on {host}:{port}", "annotator serve", str(why)) from exc


class AnnotatorServer(Server):
    """textual-serve's server with annotator's command, page and start-up message."""

    def __init__(self, workspace: Workspace, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.workspace = workspace
        super().__init__(
            session_command(workspace),
            host=host,
            port=port,
            title=f"annotator: {workspace.config.name or workspace.root.name}",
            templates_path=TEMPLATES,
        )

    def startup_lines(self) -> list[str]:
        """What the terminal says as the server starts (also the test's evidence)."""
        lines = [
            f"annotator serve: workspace {self.workspace.root} on {self.public_url}",
            "each browser tab is its own session: it asks who is annotating, and saves every edit as it is made",
            NO_AUTHENTICATION,
        ]
        if is_loopback(self.host):
            lines.append(
                f"from another machine: ssh -N -L {self.port}:127.0.0.1:{self.port} <this server>, "
                f"then open http://localhost:{self.port}"
            )
        else:
            lines.append(
                f"warning: listening on {self.host}, not only this machine: anyone who reaches it can annotate"
            )
        lines.append("Ctrl+C stops the server (open sessions end; their edits are already saved)")
        return lines

    async def on_startup(self, app: Any) -> None:
        from annotator.cli import say

        for line in self.startup_lines():
            say(line)
