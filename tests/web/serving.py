"""A running ``annotator serve`` for the tests: a free localhost port, its output kept."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(workspace: Path, log: Path, *args: str) -> Iterator[Served]:
    """``annotator serve`` on ``workspace`` until the block ends (then stopped as Ctrl+C would)."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "annotator", "--workspace", str(workspace), "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )
    served = Served(f"http://127.0.0.1:{port}/", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(served.url, timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"annotator serve did not start:\n{served.output()}") from None
                time.sleep(0.1)
        yield served
    finally:
        process.send_signal(2)  # SIGINT: textual-serve's Ctrl+C
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def proxied(target: str, prefix: str = "/annotator/") -> Iterator[str]:
    """A reverse proxy of ``target`` under ``prefix`` on another port, as nginx's ``location
    /annotator/ { proxy_pass ...; }`` would be (HTTP and the websocket): its address."""
    import asyncio
    import threading

    import aiohttp
    from aiohttp import web

    async def forward(request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["rest"]
        url = target.rstrip("/") + path + (f"?{request.query_string}" if request.query_string else "")
        async with aiohttp.ClientSession() as client:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                inside = web.WebSocketResponse()
                await inside.prepare(request)
                async with client.ws_connect(url) as outside:

                    async def pump(source, sink) -> None:
                        async for message in source:
                            if message.type == aiohttp.WSMsgType.TEXT:
                                await sink.send_str(message.data)
                            elif message.type == aiohttp.WSMsgType.BINARY:
                                await sink.send_bytes(message.data)

                    await asyncio.wait(
                        [asyncio.create_task(pump(inside, outside)), asyncio.create_task(pump(outside, inside))],
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                return inside
            async with client.get(url) as answer:
                return web.Response(body=await answer.read(), status=answer.status, content_type=answer.content_type)

    port = free_port()
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("GET", prefix + "{rest:.*}", forward)
    runner = web.AppRunner(app)
    thread = threading.Thread(target=loop.run_forever, daemon=True)  # not this thread: Playwright's loop is here
    thread.start()

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
