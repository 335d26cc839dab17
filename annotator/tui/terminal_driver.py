"""Switch the terminal's own BiDi off while the app draws, and give it back on every way out.

Textual's driver takes the terminal in ``start_application_mode`` (alternate screen, raw
mode) and lets it go in ``stop_application_mode``. Both run on every path: start-up and
resuming after ctrl+z / SIGCONT or ``App.suspend``; quitting, a crash (the app stops the
driver in a ``finally``), suspending. The sequences go through the driver's own writer, so
the disable sequence is queued before the first frame and the restore after the last.
What to send is decided in ``annotator.core.terminal``; this module only sends it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from functools import partial

from textual.driver import Driver


def switching_driver(base: type[Driver], sequences: Callable[[], tuple[str, str]]) -> type[Driver]:
    """A ``base`` driver that writes ``sequences()[0]`` once it has taken the terminal and, when
    it lets go, the restore sequence belonging to what it sent then."""

    class BidiSwitchingDriver(base):  # type: ignore[valid-type, misc]
        _restore_pending = ""

        def start_application_mode(self) -> None:
            super().start_application_mode()
            disable, restore = sequences()
            if disable and self._send(disable):
                self._restore_pending = restore

        def stop_application_mode(self) -> None:
            try:
                super().stop_application_mode()
            finally:
                restore, self._restore_pending = self._restore_pending, ""
                if restore:
                    self._send(restore)

        def _send(self, data: str) -> bool:
            try:
                self.write(data)
                self.flush()
            except (AssertionError, AttributeError):  # the driver did not start (resumed in the background)
                return False
            return True

    BidiSwitchingDriver.__name__ = BidiSwitchingDriver.__qualname__ = f"BidiSwitching{base.__name__}"
    return BidiSwitchingDriver


def exit_on_signals(exit_app: Callable[..., None], names: tuple[str, ...] = ("SIGTERM", "SIGHUP")) -> None:
    """SIGTERM and SIGHUP end the app the normal way (``exit_app(return_code=128 + signal)``),
    so the driver lets go of the terminal and gives its BiDi back. If the terminal has hung up
    (its window closed) there is nothing to give back and Textual could not write its last
    sequences: the process ends at once, as it would without a handler. Call in the loop's thread."""
    loop = asyncio.get_running_loop()
    terminal = sys.__stdin__.fileno() if sys.__stdin__ else -1

    def handler(signum: int, _frame) -> None:
        if not os.isatty(terminal):  # hung up: the default action (end the process)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        loop.call_soon_threadsafe(partial(exit_app, return_code=128 + signum))

    for name in names:
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, handler)
