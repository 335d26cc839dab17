"""`annotator serve` without a browser: what it says at start, the page it serves, the command
each tab runs, and one clear line when it cannot listen."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from annotator.core.terminal import APP, detect
from tests.conftest import copy_workspace
from tests.web.serving import free_port, serving


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_the_page_loads_everything_from_the_server_and_says_there_is_no_login(tmp_path: Path) -> None:
    ws = copy_workspace(tmp_path / "ws")
    with serving(ws, tmp_path / "serve.log") as served:
        page = urllib.request.urlopen(served.url, timeout=10).read().decode()
        links = _Links()
        links.feed(page)
        css = [u for u in links.urls if u.endswith(".css")]
        fonts = re.findall(r'url\("([^"]+)"\)', page)
        for url in [*links.urls, *fonts]:
            if url.startswith("data:"):
                continue
            assert not re.match(r"^[a-z]+:|^//", url), f"{url} is not on this server"
            with urllib.request.urlopen(served.url + url, timeout=10) as response:
                assert response.status == 200, url
        assert css and fonts  # the terminal's stylesheet and its font come from here
        assert "No login here" in page
        output = served.output()
    assert "no authentication of its own" in output and "ssh -N -L" in output
    assert f"workspace {ws}" in output


def test_a_port_already_taken_is_one_line_and_exit_2(tmp_path: Path) -> None:
    ws = copy_workspace(tmp_path / "ws")
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "annotator", "--workspace", str(ws), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line


def test_each_tab_runs_the_app_laid_out_by_itself_asking_for_a_name(workspace) -> None:
    from annotator.web.server import session_command

    command = session_command(workspace)
    assert command.endswith(f"--workspace {workspace.root} --bidi app --ask-name")
    # textual-serve's sessions say TERM_PROGRAM=textual: a browser's xterm.js, which does no BiDi
    profile = detect({"TERM": "xterm-256color", "TERM_PROGRAM": "textual"})
    assert (profile.key, profile.mode, profile.disable) == ("browser", APP, "")
