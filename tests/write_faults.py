"""Write faults for the all-or-nothing tests: the k-th call of a write step fails.

The ``os`` (and, if asked, ``tempfile.mkstemp``) of the given modules is wrapped so that the
``k``-th call of any of the named steps raises ``OSError(code)``; a test arms k = 1, 2, ...
until the operation makes fewer calls than k (``fired`` turns false).
"""

from __future__ import annotations

import os
import tempfile
from types import ModuleType, SimpleNamespace

import pytest


class WriteFaults:
    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        code: int,
        modules: tuple[ModuleType, ...],
        steps: tuple[str, ...],
        *,
        mkstemp: bool = False,
    ):
        self.code, self.k, self.calls = code, 0, 0
        wrapped = {name: self._wrap(getattr(os, name)) for name in steps}
        for module in modules:
            monkeypatch.setattr(module, "os", SimpleNamespace(**{**vars(os), **wrapped}))
            if mkstemp:
                monkeypatch.setattr(module, "tempfile", SimpleNamespace(mkstemp=self._wrap(tempfile.mkstemp)))

    def arm(self, k: int) -> None:
        self.k, self.calls = k, 0

    @property
    def fired(self) -> bool:
        return 0 < self.k <= self.calls

    def _wrap(self, real):
        def call(*args, **kwargs):
            self.calls += 1
            if self.calls == self.k:
                raise OSError(self.code, os.strerror(self.code))
            return real(*args, **kwargs)

        return call
