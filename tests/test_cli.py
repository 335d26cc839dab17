"""The real command line, run as a user runs it: `python -m annotator ...` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path

import orjson
import pytest
from rich.cells import cell_len

from annotator.core.corpus import Corpus
from annotator.core.workspace import BUNDLED_GUIDELINES, DEFAULT_GUIDELINES, init_workspace
from tests.conftest import CliResult, assert_one_error

REPO = Path(__file__).resolve().parents[1]
SEED = "000_cc412d3027dac405"
HEADLINE_FIRST_WORD = "التحالف"
# "التحالف" shaped, in visual (left-to-right) order: feh final, lam initial, alef final,
# hah medial, teh medial, lam initial, alef isolated.
HEADLINE_FIRST_WORD_SHAPED = "\ufed2\ufedf\ufe8e\ufea4\ufe98\ufedf\ufe8d"


def _shapeable_letters() -> frozenset[str]:
    """Letters of U+0621–U+064A that have contextual presentation forms in U+FE70–U+FEFF."""
    out = set()
    for code in range(0xFE70, 0xFF00):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and parts[0] in ("<isolated>", "<final>", "<initial>", "<medial>"):
            base = chr(int(parts[1], 16))
            if "\u0621" <= base <= "\u064a":
                out.add(base)
    return frozenset(out)


SHAPEABLE = _shapeable_letters()


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    environment = {k: v for k, v in os.environ.items() if k != "ANNOTATOR_BIDI"}
    environment.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)], cwd=cwd, env=environment, capture_output=True, timeout=60
    )
    # Output must be valid UTF-8: decoding strictly is part of the check.
    return CliResult(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def presentation_forms(text: str) -> list[str]:
    return [c for c in text if "\ufe70" <= c <= "\ufeff"]


def output_lines(result: CliResult) -> list[str]:
    assert result.out.endswith("\n")
    return result.out[:-1].split("\n")


@pytest.fixture
def ws(tmp_path: Path):
    return init_workspace(tmp_path / "ws")


def add_doc(ws, doc_id: str, text: str) -> None:
    source = ws.root.parent / "sources" / f"{doc_id}.txt"
    source.parent.mkdir(exist_ok=True)
    source.write_text(text, encoding="utf-8")
    Corpus(ws.corpus_dir).import_texts([source])


# --- help and init -----------------------------------------------------------------------------


def test_help_lists_every_command(tmp_path):
    result = run("--help", cwd=tmp_path)
    assert result.code == 0 and result.err == ""
    listed = {line.split()[0] for line in result.out.splitlines() if line.startswith("    ") and line.split()}
    assert {"init", "import", "render"} <= listed


def test_init_creates_a_workspace(tmp_path):
    result = run("init", "proj", cwd=tmp_path)
    assert result.code == 0, result.err
    root = tmp_path / "proj"
    for sub in ("corpus", "guidelines", "annotations", "exports"):
        assert (root / sub).is_dir(), sub
    config = tomllib.loads((root / "annotator.toml").read_text(encoding="utf-8"))
    assert config["project"] == {"name": "proj", "guidelines": DEFAULT_GUIDELINES}
    assert config["reader"]["bidi"] == "auto"  # from the terminal (annotator.core.terminal)
    # The bundled guidelines are copied, file for file.
    assert snapshot(root / "guidelines" / DEFAULT_GUIDELINES) == snapshot(BUNDLED_GUIDELINES / DEFAULT_GUIDELINES)
    # The new workspace works: importing into it from inside a subfolder finds it.
    (tmp_path / "a.txt").write_text("نص", encoding="utf-8")
    imported = run("import", "texts", tmp_path / "a.txt", cwd=root / "exports")
    assert imported.code == 0, imported.err
    assert (root / "corpus" / "a.txt").read_text(encoding="utf-8") == "نص"


def test_second_init_fails_cleanly(tmp_path):
    assert run("init", "proj", "--name", "Mine", cwd=tmp_path).code == 0
    before = snapshot(tmp_path / "proj")
    assert_one_error(run("init", "proj", cwd=tmp_path), "already exists")
    assert snapshot(tmp_path / "proj") == before
    assert 'name = "Mine"' in (tmp_path / "proj" / "annotator.toml").read_text(encoding="utf-8")


def test_init_with_an_existing_guidelines_version(tmp_path):
    versions = sorted(p.name for p in BUNDLED_GUIDELINES.iterdir() if p.is_dir()) if BUNDLED_GUIDELINES.is_dir() else []
    if not versions:
        pytest.skip("no bundled guidelines version yet")
    version = versions[0]
    result = run("init", "proj", "--guidelines", version, cwd=tmp_path)
    assert result.code == 0, result.err
    config = tomllib.loads((tmp_path / "proj" / "annotator.toml").read_text(encoding="utf-8"))
    assert config["project"]["guidelines"] == version
    assert (tmp_path / "proj" / "guidelines" / version).is_dir()


@pytest.mark.parametrize("version", ["9.9.9", "../1.0.0", "latest"])
def test_init_with_an_unknown_guidelines_version_fails_and_creates_nothing(tmp_path, version):
    line = assert_one_error(run("init", "proj", "--guidelines", version, cwd=tmp_path), "guidelines", version)
    assert "available" in line
    assert not (tmp_path / "proj").exists()


def test_init_where_a_folder_cannot_be_made_fails_cleanly(tmp_path):
    (tmp_path / "afile").write_text("x")
    assert_one_error(run("init", "afile/sub", cwd=tmp_path), "afile")


def test_init_example_starts_with_the_seed_corpus(tmp_path):
    result = run("init", "demo", "--example", cwd=tmp_path)
    assert result.code == 0, result.err
    root = tmp_path / "demo"
    # The repository's seed corpus, file for file (texts and index): the same ids, titles and hashes.
    assert snapshot(root / "corpus") == snapshot(REPO / "corpus")
    corpus = Corpus(root / "corpus")
    assert len(corpus) == 5 and all(corpus.load(doc_id).sha_matches for doc_id in corpus.ids)
    assert snapshot(root / "guidelines") == snapshot(REPO / "guidelines")
    rendered = run("render", SEED, "--width", "40", "--bidi", "app", cwd=root)
    assert rendered.code == 0, rendered.err
    assert output_lines(rendered)[0].split(" ")[-1] == HEADLINE_FIRST_WORD_SHAPED


def test_init_example_refuses_a_corpus_folder_that_has_files(tmp_path):
    (tmp_path / "demo" / "corpus").mkdir(parents=True)
    (tmp_path / "demo" / "corpus" / "mine.txt").write_text("نص", encoding="utf-8")
    before = snapshot(tmp_path / "demo")
    assert_one_error(run("init", "demo", "--example", cwd=tmp_path), "corpus", "--example")
    assert snapshot(tmp_path / "demo") == before
    assert not (tmp_path / "demo" / "annotator.toml").exists()


# --- import texts ------------------------------------------------------------------------------


def test_import_texts_reports_and_indexes(ws, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"\xef\xbb\xbf" + "مرحبا".encode())
    (src / "b.txt").write_bytes("سطر\r\nثان\r\n".encode())
    result = run("import", "texts", src / "a.txt", src / "b.txt", cwd=ws.root)
    assert result.code == 0, result.err
    assert result.err == ""
    out = result.out.splitlines()
    assert any(line.startswith("imported a ") and "5 chars" in line and "BOM dropped" in line for line in out), out
    assert any(line.startswith("imported b ") and "2 CRLF to LF" in line for line in out), out
    assert out[-1] == "corpus: 2 documents"
    index = [orjson.loads(line) for line in (ws.corpus_dir / "index.jsonl").read_bytes().splitlines()]
    assert [(e["id"], e["bom"], e["crlf"]) for e in index] == [("a", True, 0), ("b", False, 2)]
    assert (ws.corpus_dir / "b.txt").read_bytes() == "سطر\nثان\n".encode()

    before = snapshot(ws.corpus_dir)
    again = run("import", "texts", src, cwd=ws.root)  # the folder: same two files
    assert again.code == 0, again.err
    assert "imported" not in again.out and "2 already in the corpus" in again.out
    assert snapshot(ws.corpus_dir) == before


def test_import_bad_utf8_exits_2_with_one_line_per_file(ws, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("جيد", encoding="utf-8")
    (src / "bad1.txt").write_bytes(b"abc\xff")
    (src / "bad2.txt").write_bytes("ك".encode() + b"\xc0\x80")
    before = snapshot(ws.corpus_dir)
    result = run("import", "texts", src / "good.txt", src / "bad1.txt", src / "bad2.txt", cwd=ws.root)
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 2, result.err
    assert all(line.startswith("annotator: error: ") and "byte" in line for line in lines)
    assert "bad1.txt" in lines[0] and "byte 3" in lines[0]
    assert "bad2.txt" in lines[1] and "byte 2" in lines[1]
    assert "imported" not in result.out
    assert snapshot(ws.corpus_dir) == before


def test_import_outside_a_workspace_fails_cleanly(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    assert_one_error(run("import", "texts", "a.txt", cwd=tmp_path), "no workspace")


# --- render ------------------------------------------------------------------------------------


def _logical_words(visual_line: str) -> list[str]:
    """The words of an app-mode right-to-left line, in reading order, back in logical letters."""
    words = []
    for word in reversed(visual_line.split()):
        glyphs = "".join(c for c in word if not unicodedata.combining(c))
        words.append(unicodedata.normalize("NFKC", glyphs[::-1]))
    return words


@pytest.mark.parametrize("width", [40, 23])
def test_render_app_mode_shapes_reorders_and_fits(tmp_path, width):
    result = run("--workspace", REPO, "render", SEED, "--width", str(width), "--bidi", "app", cwd=tmp_path)
    assert result.code == 0, result.err
    lines = output_lines(result)
    text = Corpus(REPO / "corpus").text(SEED)
    assert len(lines) > text.count("\n")  # long paragraphs wrap
    for line in lines:
        if line:
            # Every paragraph of this seed is Arabic: right-aligned to exactly N cells.
            assert cell_len(line) == width, (line, cell_len(line))
    assert presentation_forms(result.out)
    assert not [c for c in result.out if c in SHAPEABLE], "unshaped Arabic letters left"
    headline = text.split("\n")[0]
    first = lines[0]
    assert first.split(" ")[-1] == HEADLINE_FIRST_WORD_SHAPED  # rightmost: the first word
    assert _logical_words(first)[0] == HEADLINE_FIRST_WORD
    shown = _logical_words(first)
    plain = [
        unicodedata.normalize("NFKC", "".join(c for c in w if not unicodedata.combining(c))) for w in headline.split()
    ]
    assert shown == plain[: len(shown)]  # the line reads right to left in logical word order


def test_render_terminal_mode_is_the_logical_text(tmp_path):
    width = 40
    result = run("--workspace", REPO, "render", SEED, "--width", str(width), "--bidi", "terminal", cwd=tmp_path)
    assert result.code == 0, result.err
    lines = output_lines(result)
    assert not presentation_forms(result.out)
    assert all(cell_len(line) <= width for line in lines)
    assert not any(line.startswith(" ") for line in lines)  # left-aligned, the terminal does the rest
    text = Corpus(REPO / "corpus").text(SEED)
    i = 0
    for paragraph in text.split("\n"):
        words, got = paragraph.split(), []
        if not words:
            assert lines[i].strip() == ""
            i += 1
            continue
        while got != words:
            assert i < len(lines) and len(got) < len(words), (paragraph, got)
            got += lines[i].split()
            i += 1
    assert i == len(lines)


def test_render_unknown_document(tmp_path):
    assert_one_error(run("--workspace", REPO, "render", "no_such_doc", cwd=tmp_path), "no_such_doc")


@pytest.mark.parametrize("width", ["0", "-3"])
def test_render_bad_width(tmp_path, width):
    assert_one_error(run("--workspace", REPO, "render", SEED, "--width", width, cwd=tmp_path), "width")


@pytest.mark.parametrize("mode", ["app", "terminal"])
def test_render_shows_markup_and_control_characters_as_data(ws, mode):
    add_doc(ws, "ctl", "Say [bold] and \\ then \x1b[31mred\x9b end [/bold]\nbell\x07 del\x7f\n")
    result = run("render", "ctl", "--width", "80", "--bidi", mode, cwd=ws.root)
    assert result.code == 0, result.err
    raw = result.out.encode("utf-8")
    assert not [b for b in raw if (b < 0x20 and b != 0x0A) or b == 0x7F], "raw C0/DEL byte in stdout"
    assert not [c for c in result.out if "\x80" <= c <= "\x9f"], "raw C1 character in stdout"
    first, second = output_lines(result)[:2]
    # Markup and the backslash shown literally, ESC as its control picture, the C1 control
    # as one visible placeholder cell.
    assert first.startswith("Say [bold] and \\ then \u241b[31mred")
    assert first.endswith(" end [/bold]")
    assert len(first) == len("Say [bold] and \\ then \x1b[31mred\x9b end [/bold]")
    assert second == "bell\u2407 del\u2421"  # BEL and DEL likewise


def test_bidi_mode_precedence_on_the_command_line(ws):
    add_doc(ws, "ar", "التحالف يقصف أهدافاً\n")
    assert presentation_forms(run("render", "ar", "--width", "30", cwd=ws.root).out)  # auto into a pipe: app
    config = ws.config_path.read_text(encoding="utf-8").replace('bidi = "auto"', 'bidi = "terminal"')
    ws.config_path.write_text(config, encoding="utf-8")
    render = ("render", "ar", "--width", "30")
    assert not presentation_forms(run(*render, cwd=ws.root).out)  # config: terminal
    assert presentation_forms(run(*render, cwd=ws.root, env={"ANNOTATOR_BIDI": "app"}).out)  # env beats config
    env_term = {"ANNOTATOR_BIDI": "terminal"}
    assert presentation_forms(run(*render, "--bidi", "app", cwd=ws.root, env=env_term).out)  # --bidi beats env
    assert presentation_forms(run("--bidi", "app", *render, cwd=ws.root, env=env_term).out)  # global --bidi too
    assert not presentation_forms(run("--bidi", "app", *render, "--bidi", "terminal", cwd=ws.root).out)


def test_bad_bidi_values_name_their_source(ws):
    add_doc(ws, "ar", "نص\n")
    assert_one_error(run("render", "ar", cwd=ws.root, env={"ANNOTATOR_BIDI": "rtl"}), "ANNOTATOR_BIDI", "rtl")
    bad_flag = run("render", "ar", "--bidi", "rtl", cwd=ws.root)
    assert bad_flag.code == 2 and "Traceback" not in bad_flag.err
    assert "--bidi" in bad_flag.err.splitlines()[-1] and "rtl" in bad_flag.err.splitlines()[-1]
    config = ws.config_path.read_text(encoding="utf-8").replace('bidi = "auto"', 'bidi = "ltr"')
    ws.config_path.write_text(config, encoding="utf-8")
    assert_one_error(run("render", "ar", cwd=ws.root), "annotator.toml", "bidi", "ltr")


def test_render_is_headless(tmp_path):
    code = (
        "import sys\nfrom annotator.cli import main\n"
        f"rc = main(['--workspace', {str(REPO)!r}, 'render', {SEED!r}, '--width', '30'])\n"
        "print(rc, any(m.split('.')[0] == 'textual' for m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.stderr.splitlines()[-1] == "0 False", proc.stderr


@pytest.mark.parametrize("args", [["--bidi", "foo"], ["render"], ["import", "texts"], ["no-such-command"]])
def test_usage_mistakes_are_one_line_too(tmp_path, args):
    assert_one_error(run(*args, cwd=tmp_path), "--help")


def test_the_workspace_may_follow_the_command(tmp_path, monkeypatch) -> None:
    """`annotator serve --workspace DIR` as the issue writes it, and so for every command that
    reads a workspace; given twice, the one after the command is the one used."""
    import subprocess
    import sys

    import orjson

    from tests.conftest import SEED_IDS, copy_workspace

    ws = copy_workspace(tmp_path / "ws")
    monkeypatch.chdir(tmp_path)
    run = [sys.executable, "-m", "annotator"]
    after = subprocess.run([*run, "status", "--format", "json", "--workspace", str(ws)], capture_output=True)
    assert after.returncode == 0, after.stderr
    assert orjson.loads(after.stdout)["documents"] == len(SEED_IDS)
    both = subprocess.run([*run, "-w", str(tmp_path), "status", "--format", "json", "-w", str(ws)], capture_output=True)
    assert both.returncode == 0 and orjson.loads(both.stdout)["documents"] == len(SEED_IDS)
    nowhere = subprocess.run([*run, "status"], capture_output=True, text=True)
    assert nowhere.returncode == 2 and "annotator.toml" in nowhere.stderr
