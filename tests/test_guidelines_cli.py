"""`annotator guidelines list | show | diff | check`, run as a user runs it: a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.guidelines.migration import diff
from annotator.core.guidelines.schema import load_schema
from tests.conftest import CliResult, assert_one_error, copy_workspace

REPO = Path(__file__).resolve().parents[1]


def run(ws: Path, *args: str, cwd: Path | None = None) -> CliResult:
    env = {k: v for k, v in os.environ.items() if k not in ("ANNOTATOR_BIDI", "NO_COLOR", "FORCE_COLOR")}
    env["COLUMNS"] = "200"  # rich wraps tables to the terminal width; keep lines whole
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", "--workspace", str(ws), "guidelines", *args],
        cwd=cwd or ws,
        env=env,
        capture_output=True,
        timeout=60,
    )
    return CliResult(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_workspace(tmp_path / "ws")


def row_of(out: str, first_cell: str) -> str:
    """The table line whose first cell is ``first_cell``."""
    hits = [line for line in out.splitlines() if line.strip("│┃| ").startswith(first_cell + " ")]
    assert hits, out
    return hits[0]


# ---------------------------------------------------------------- list


def test_list_shows_versions_sizes_and_the_active_one(ws):
    result = run(ws, "list")
    assert result.code == 0 and result.err == "", result.err
    old, new = row_of(result.out, "1.0.0"), row_of(result.out, "2.0.0")
    assert "Conflict news: ACE-style entities and events" in old
    assert "TIMEX and MEDIA" in new
    schemas = [load_schema(ws / "guidelines", v) for v in ("1.0.0", "2.0.0")]
    for line, schema in zip((old, new), schemas):
        cells = [c.strip() for c in line.split("│") if c.strip()]
        assert str(len(schema.labels)) in cells and str(len(schema.events)) in cells, cells
    assert "active" in new and "active" not in old


def test_list_follows_the_workspace_config(ws):
    config = ws / "annotator.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('guidelines = "2.0.0"', 'guidelines = "1.0.0"'), encoding="utf-8"
    )
    result = run(ws, "list")
    assert result.code == 0, result.err
    assert "active" in row_of(result.out, "1.0.0") and "active" not in row_of(result.out, "2.0.0")


def test_list_keeps_a_broken_version_in_the_table(ws):
    schema = ws / "guidelines" / "2.0.0" / "schema.toml"
    schema.write_text(schema.read_text(encoding="utf-8").replace('key = "b"', 'key = "q"'), encoding="utf-8")
    result = run(ws, "list")
    assert result.code == 0, result.err
    assert "errors" in row_of(result.out, "2.0.0") and "check" in row_of(result.out, "2.0.0")
    assert "Conflict news" in row_of(result.out, "1.0.0")


# ---------------------------------------------------------------- show


def test_show_lists_labels_and_event_types_with_roles(ws):
    result = run(ws, "show", "2.0.0")
    assert result.code == 0 and result.err == "", result.err
    schema = load_schema(ws / "guidelines", "2.0.0")
    for label in schema.labels:
        line = next((x for x in result.out.splitlines() if f" {label.name} " in x and label.colour in x), None)
        assert line is not None, (label.name, result.out)
        assert f" {label.key} " in line
        assert label.description[:40] in line
    attack = schema.event("Conflict.Attack")
    assert attack is not None
    attack_line = next(x for x in result.out.splitlines() if "Conflict.Attack" in x)
    assert attack.colour in attack_line and f" {attack.key} " in attack_line
    for role in attack.roles:
        assert any(role.name in x and ", ".join(role.entities) in x for x in result.out.splitlines()), role
    for event in schema.events:
        assert event.name in result.out
    assert "guidelines.md" not in result.out  # the manual only with --manual
    assert "\x1b[" not in result.out  # no escape codes into a pipe


def test_show_differs_between_versions(ws):
    old = run(ws, "show", "1.0.0")
    assert old.code == 0, old.err
    assert " DATE " in old.out and " TIMEX " not in old.out and " MEDIA " not in old.out


def test_show_without_a_version_is_the_active_one(ws):
    result = run(ws, "show")
    assert result.code == 0, result.err
    assert "2.0.0 (active)" in result.out and " TIMEX " in result.out


def test_show_manual_prints_the_markdown(ws):
    result = run(ws, "show", "2.0.0", "--manual")
    assert result.code == 0 and result.err == "", result.err
    assert "guidelines.md" in result.out
    manual = (ws / "guidelines" / "2.0.0" / "guidelines.md").read_text(encoding="utf-8")
    headings = [line[3:].strip() for line in manual.splitlines() if line.startswith("## ")]
    assert headings
    for heading in headings:
        assert heading in result.out, heading
    assert "## " not in result.out  # rendered, not raw markdown


@pytest.mark.parametrize("version", ["9.9.9", "latest", "../2.0.0"])
def test_show_unknown_version_names_the_available_ones(ws, version):
    line = assert_one_error(run(ws, "show", version), version, "1.0.0, 2.0.0")
    assert "available" in line


# ---------------------------------------------------------------- diff


def test_diff_prints_the_migration_diff_lines(ws):
    result = run(ws, "diff", "1.0.0", "2.0.0")
    assert result.code == 0 and result.err == "", result.err
    expected = diff(load_schema(ws / "guidelines", "1.0.0"), load_schema(ws / "guidelines", "2.0.0"))
    assert result.out.splitlines() == expected
    assert "label DATE removed" in result.out
    assert "label MEDIA added" in result.out
    assert any(line.startswith("migration declared in 2.0.0: merge DATE, TIME → TIMEX") for line in expected)


def test_diff_of_a_version_with_itself(ws):
    result = run(ws, "diff", "2.0.0", "2.0.0")
    assert result.code == 0, result.err
    assert "no differences" in result.out or all(x.startswith("migration declared") for x in result.out.splitlines())


def test_diff_unknown_version(ws):
    assert_one_error(run(ws, "diff", "1.0.0", "3.0.0"), "3.0.0", "1.0.0, 2.0.0")


# ---------------------------------------------------------------- check


def test_check_ok_on_the_shipped_guidelines(ws):
    result = run(ws, "check")
    assert (result.code, result.out, result.err) == (0, "ok\n", "")


def test_check_broken_schema_names_file_and_line(ws):
    schema = ws / "guidelines" / "2.0.0" / "schema.toml"
    text = schema.read_text(encoding="utf-8")
    lines = text.splitlines()
    media_key = next(n for n, line in enumerate(lines, 1) if line == 'key = "b"')
    # A reserved key for MEDIA, and a colour that is not #rrggbb for GPE.
    text = text.replace('key = "b"', 'key = "q"').replace('colour = "#51cf66"', 'colour = "green"')
    gpe_colour = next(n for n, line in enumerate(text.splitlines(), 1) if line == 'colour = "green"')
    schema.write_text(text, encoding="utf-8")
    result = run(ws, "check")
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err and "ok" not in result.out.split()
    problems = result.err.splitlines()
    assert len(problems) >= 2, result.err
    assert all(p.startswith("annotator: error: ") for p in problems)
    assert any(f"{schema}:{media_key}: " in p and "reserved" in p for p in problems), problems
    assert any(f"{schema}:{gpe_colour}: " in p and "#rrggbb" in p for p in problems), problems


def test_check_toml_syntax_error_names_the_line(ws):
    schema = ws / "guidelines" / "1.0.0" / "schema.toml"
    lines = schema.read_text(encoding="utf-8").splitlines()
    lines[20] = 'name = "unterminated'
    schema.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(ws, "check")
    assert result.code == 2
    assert any(f"{schema}:21: " in p and "TOML" in p for p in result.err.splitlines()), result.err


def test_check_missing_manual_section(ws):
    manual = ws / "guidelines" / "2.0.0" / "guidelines.md"
    manual.write_text(manual.read_text(encoding="utf-8").replace("## MONEY", "## MONIES"), encoding="utf-8")
    result = run(ws, "check")
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert str(manual) in line and "'## MONEY'" in line


def test_outside_a_workspace_is_one_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_error(run(empty, "list"), "no workspace here")
