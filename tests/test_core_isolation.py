"""annotator.core must never import Textual: the CLI, exports and tests use it headless.

Every module under annotator/core is found with pkgutil (new modules are covered
automatically) and imported in a fresh interpreter, checking sys.modules after each import.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import annotator.core

ROOT = Path(__file__).resolve().parents[1]

# Imports the modules named in argv one by one; prints, as JSON, for each module whether
# the import failed and whether textual was in sys.modules right after it.
_CHECK = r"""
import importlib, json, sys, traceback
report = []
for name in sys.argv[1:]:
    entry = {"module": name, "error": None}
    try:
        importlib.import_module(name)
    except BaseException:
        entry["error"] = traceback.format_exc(limit=3)
    entry["textual"] = any(m == "textual" or m.startswith("textual.") for m in sys.modules)
    report.append(entry)
print(json.dumps(report))
"""


def core_modules() -> list[str]:
    names = ["annotator.core"]
    names += [m.name for m in pkgutil.walk_packages(annotator.core.__path__, "annotator.core.")]
    return sorted(set(names))


def _check(names: list[str]) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", _CHECK, *names], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_discovery_finds_the_core_modules():
    names = core_modules()
    # The modules the rest of the program is built on; discovery must see them (and sub-packages).
    for expected in (
        "annotator.core.corpus",
        "annotator.core.workspace",
        "annotator.core.errors",
        "annotator.core.text.layout",
    ):
        assert expected in names
    packages = [p for p in annotator.core.__path__]
    sub_packages = [d.name for p in packages for d in Path(p).iterdir() if d.is_dir() and (d / "__init__.py").exists()]
    for sub in sub_packages:
        assert f"annotator.core.{sub}" in names


def test_no_core_module_imports_textual():
    names = core_modules()
    report = _check(names)
    assert [r["module"] for r in report] == names
    errors = {r["module"]: r["error"] for r in report if r["error"]}
    assert not errors, "core modules that fail to import:\n" + "\n".join(f"{k}:\n{v}" for k, v in errors.items())
    if any(r["textual"] for r in report):
        # Once one module pulled Textual in, the later checks in that interpreter say nothing:
        # check each remaining module in its own interpreter to name every offender.
        first = next(i for i, r in enumerate(report) if r["textual"])
        offenders = [names[first]]
        offenders += [name for name in names[first + 1 :] if _check([name])[0]["textual"]]
        raise AssertionError(f"these annotator.core modules import textual: {offenders}")
