"""`annotator agreement` and `annotator synth` end to end, on small synthetic workspaces.

The measures themselves are tested in tests/agreement/; here: the loader (what is read,
migrated, excluded), the selection options, the output formats and the errors.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.core.corpus import Corpus
from annotator.core.guidelines.schema import load_schema
from annotator.core.text.tokens import tokenize
from annotator.core.workspace import Workspace
from annotator.synthetic import generate
from tests.agreement.report_keys import REPORT_KEYS
from tests.conftest import CliResult, assert_one_error

DOCS = 20
ANNOTATORS = ["ann1", "ann2", "ann3"]


def run(*args: str | Path, cwd: Path) -> CliResult:
    env = {k: v for k, v in os.environ.items() if k != "ANNOTATOR_BIDI"}
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)], cwd=cwd, env=env, capture_output=True, timeout=120
    )
    return CliResult(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def report_of(ws: Path, *options: str, name: str = "report.json") -> dict:
    out = ws.parent / name
    result = run("agreement", "--format", "json", "--out", out, "--force", *options, cwd=ws)
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    return orjson.loads(text)


def walk_numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from walk_numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_numbers(v)
    elif isinstance(value, float):
        yield value


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """20 documents x 3 annotators (noisy) and gold; never modified by the tests."""
    root = tmp_path_factory.mktemp("synth") / "ws"
    generate(root, docs=DOCS, annotators=3, seed=3)
    return root


@pytest.fixture(scope="module")
def base_report(base: Path) -> dict:
    return report_of(base, name="base.json")


@pytest.fixture
def ws(base: Path, tmp_path: Path) -> Path:
    """A private copy of the base workspace."""
    target = tmp_path / "ws"
    shutil.copytree(base, target)
    return target


def annotation_file(ws: Path, annotator: str, doc_id: str) -> Path:
    return ws / "annotations" / annotator / f"{doc_id}.json"


def doc_ids(ws: Path) -> list[str]:
    return Corpus(ws / "corpus").ids


# --------------------------------------------------------------------------- the synthetic corpus


def test_synthetic_gold_is_on_tokens_with_valid_roles(base: Path):
    ws = Workspace.open(base)
    schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
    corpus = Corpus(ws.corpus_dir)
    assert len(corpus) == DOCS
    for doc_id in corpus.ids[:5]:
        text = corpus.text(doc_id)
        assert corpus.load(doc_id).sha_matches
        starts = {s for s, _ in tokenize(text)}
        ends = {e for _, e in tokenize(text)}
        gold = orjson.loads(annotation_file(base, "gold", doc_id).read_bytes())
        assert gold["guidelines"] == schema.version and gold["status"] == "done"
        assert 35 <= len(gold["entities"]) <= 40
        assert 6 <= len(gold["events"]) <= 8
        labels = {e["id"]: e["label"] for e in gold["entities"]}
        assert set(labels.values()) <= {label.name for label in schema.labels}
        spans = sorted((e["start"], e["end"]) for e in gold["entities"])
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "gold entities overlap"
        for e in gold["entities"]:
            assert e["start"] in starts and e["end"] in ends, e
        for event in gold["events"]:
            assert schema.event(event["type"]) is not None
            assert 1 <= len(event["arguments"]) <= 3
            for argument in event["arguments"]:
                assert argument["role"] in schema.roles_for(event["type"], labels[argument["entity"]])


def test_synthetic_is_deterministic(tmp_path: Path):
    a = generate(tmp_path / "a", docs=3, annotators=2, seed=11)
    b = generate(tmp_path / "b", docs=3, annotators=2, seed=11)
    c = generate(tmp_path / "c", docs=3, annotators=2, seed=12)

    def files(result):
        root = result.workspace.root
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "annotations").rglob("*.json"))} | {
            str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "corpus").iterdir())
        }

    assert files(a) == files(b)
    assert files(a) != files(c)
    assert a.annotators == ["ann1", "ann2"]


def test_synth_command_and_identical_annotators_agree_fully(tmp_path: Path):
    result = run(
        "synth",
        "--docs",
        "5",
        "--annotators",
        "2",
        "--seed",
        "5",
        "--label-noise",
        "0",
        "--shift",
        "0",
        "--miss",
        "0",
        "--out",
        tmp_path / "same",
        cwd=tmp_path,
    )
    assert result.code == 0, result.err
    assert "5 documents" in result.out
    report = report_of(tmp_path / "same")
    assert report["spans"]["exact"]["f1"] == 1.0
    assert report["spans"]["overlap"]["f1"] == 1.0
    assert report["events"]["trigger_f1"] == 1.0
    assert report["events"]["argument_f1"] == 1.0
    assert report["tokens"]["cohen_kappa"]["mean"] == pytest.approx(1.0)
    assert report["unitizing_alpha"]["overall"] == pytest.approx(1.0)


def test_synth_bad_options_exit_2(tmp_path: Path):
    assert_one_error(run("synth", "--docs", "0", "--out", tmp_path / "x", cwd=tmp_path), "--docs")
    assert not (tmp_path / "x").exists()
    result = run("synth", "--docs", "2", "--miss", "1.5", "--shift", "-1", "--out", tmp_path / "x", cwd=tmp_path)
    assert result.code == 2 and len(result.err.splitlines()) == 2, result.err


# --------------------------------------------------------------------------- the report


def test_json_report_has_the_required_keys(base_report: dict):
    r = base_report
    assert REPORT_KEYS <= set(r), REPORT_KEYS - set(r)
    assert r["guidelines"] == "2.0.0"
    assert r["annotators"] == ANNOTATORS
    assert r["documents"] == DOCS
    for kind in ("exact", "overlap"):
        section = r["spans"][kind]
        assert {"f1", "per_label", "pairs"} <= set(section)
        assert 0.3 < section["f1"] < 1.0  # noisy annotators
        assert len(section["pairs"]) == 3
    assert r["spans"]["overlap"]["f1"] >= r["spans"]["exact"]["f1"]
    cohen = r["tokens"]["cohen_kappa"]
    assert {"mean", "pairs"} <= set(cohen) and len(cohen["pairs"]) == 3
    for key in ("fleiss_kappa", "krippendorff_alpha"):
        assert 0.3 < r["tokens"][key] < 1.0
    assert {"overall", "per_label"} <= set(r["unitizing_alpha"])
    assert {"trigger_f1", "argument_f1", "per_type"} <= set(r["events"])
    assert 0.3 < r["events"]["trigger_f1"] < 1.0
    assert len(r["per_document"]) == DOCS
    # the gold folder is named, with its number of files, not compared
    assert r["excluded"] == [
        {"annotator": "gold", "doc_id": None, "files": DOCS, "reason": "the adjudicated set (gold) is not compared"}
    ]
    assert r["selection"]["files"] == DOCS * 3
    assert all(math.isfinite(x) for x in walk_numbers(r))


def test_terminal_tables(base: Path, base_report: dict):
    result = run("agreement", cwd=base)
    assert result.code == 0, result.err
    out = result.out
    for needle in ("Summary", "Pairs", "Labels", "Documents with the least agreement", "gold", *ANNOTATORS):
        assert needle in out, needle
    assert f"{base_report['spans']['exact']['f1']:.3f}" in out
    assert result.err == ""  # no progress bar without a terminal


RENDER_ALL = """
import io, sys
from pathlib import Path
import orjson
from rich.console import Console
from annotator.cli.agreement_cmd import terminal_tables
from annotator.core.agreement import compute_report
from annotator.core.agreement.input import load_tables
from annotator.core.agreement.render import as_bytes
from annotator.core.workspace import Workspace

report = compute_report(load_tables(Workspace.open(Path(sys.argv[1])), workers=int(sys.argv[2])))
out = {fmt: as_bytes(report, fmt).decode("utf-8") for fmt in ("json", "markdown", "html", "csv")}
console = Console(record=True, width=160, color_system=None, file=io.StringIO())
for part in terminal_tables(report):
    console.print(part)
out["terminal"] = console.export_text()
sys.stdout.buffer.write(orjson.dumps(out))
"""


def test_a_report_built_twice_renders_the_same_bytes(base: Path):
    """Two processes with different string hashes (set and dict orders) read the same files,
    one in worker processes: every format comes out byte for byte the same."""
    outputs = []
    for seed, workers in (("1", "2"), ("2", "1")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-c", RENDER_ALL, str(base), workers]
        proc = subprocess.run(command, env=env, capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr.decode()
        outputs.append(orjson.loads(proc.stdout))
    first, second = outputs
    assert set(first) == {"json", "markdown", "html", "csv", "terminal"}
    for fmt, text in first.items():
        assert text == second[fmt], fmt
    assert "ann1" in first["terminal"] and 'dir="rtl"' in first["html"]  # a whole report, with the texts


def test_json_to_standard_output(base: Path, base_report: dict):
    result = run("agreement", "--format", "json", cwd=base)
    assert result.code == 0, result.err
    assert orjson.loads(result.out)["spans"] == base_report["spans"]
    assert result.out.startswith('{\n  "annotators"')  # indented, sorted keys


def test_old_guidelines_file_is_migrated_and_counted(ws: Path, base_report: dict):
    # a file 1.0.0 could have written: no MEDIA (2.0.0 split it out of ORG), DATE for TIMEX
    doc_id = next(d for d in doc_ids(ws) if b'"MEDIA"' not in annotation_file(ws, "ann1", d).read_bytes())
    path = annotation_file(ws, "ann1", doc_id)
    data = orjson.loads(path.read_bytes())
    timex = [e for e in data["entities"] if e["label"] == "TIMEX"]
    for e in timex:
        e["label"] = "DATE"  # 2.0.0 merged DATE and TIME into TIMEX
    data["guidelines"] = "1.0.0"
    raw = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    path.write_bytes(raw)
    report = report_of(ws)
    assert report["selection"]["migrated"] == 1
    assert report["selection"]["migrated_from"] == {"1.0.0": 1}
    assert "DATE" not in report["labels"]
    assert not [e for e in report["excluded"] if e["annotator"] == "ann1"]
    # migrated back to the same annotations: the same agreement
    assert report["spans"] == base_report["spans"]
    assert path.read_bytes() == raw  # migrated in memory only


def test_excluded_files_are_named_and_left_untouched(ws: Path, base_report: dict):
    ids = doc_ids(ws)
    broken = annotation_file(ws, "ann2", ids[1])
    broken.write_bytes(b'{"doc_id": "not json')
    stale = annotation_file(ws, "ann3", ids[2])
    data = orjson.loads(stale.read_bytes())
    data["text_sha256"] = "0" * 64
    stale.write_bytes(orjson.dumps(data))
    outside = annotation_file(ws, "ann1", ids[3])
    data = orjson.loads(outside.read_bytes())
    data["entities"].append({"id": "T999", "start": 5, "end": 10**6, "label": "PER"})
    outside.write_bytes(orjson.dumps(data))
    (ws / "annotations" / "bad name").mkdir()
    (ws / "annotations" / "bad name" / f"{ids[0]}.json").write_bytes(b"{}")
    shutil.copy(annotation_file(ws, "ann1", ids[4]), ws / "annotations" / "ann1" / "ghost.json")
    before = {p: p.read_bytes() for p in (ws / "annotations").rglob("*.json")}

    report = report_of(ws)
    reasons = {(e["annotator"], e["doc_id"]): e["reason"] for e in report["excluded"]}
    assert "not valid JSON" in reasons[("ann2", ids[1])]
    assert "text_sha256" in reasons[("ann3", ids[2])]
    assert "outside the text" in reasons[("ann1", ids[3])]
    assert "not a valid annotator name" in reasons[("bad name", None)]
    assert "no such document" in reasons[("ann1", "ghost")]
    assert ("gold", None) in reasons
    assert len(report["excluded"]) == 6
    assert report["selection"]["files"] == DOCS * 3 - 3
    # the other annotators of those documents are still compared
    per_doc = {d["id"]: d for d in report["per_document"]}
    assert per_doc[ids[1]]["annotators"] == 2
    assert {p: p.read_bytes() for p in (ws / "annotations").rglob("*.json")} == before


def test_a_changed_corpus_text_excludes_its_document(ws: Path):
    doc_id = doc_ids(ws)[5]
    text = ws / "corpus" / f"{doc_id}.txt"
    text.write_text(text.read_text(encoding="utf-8") + " تغيير", encoding="utf-8")
    report = report_of(ws)
    hits = [e for e in report["excluded"] if e["doc_id"] == doc_id]
    assert [e["annotator"] for e in hits] == ANNOTATORS
    assert all("corpus index" in e["reason"] for e in hits)
    assert report["documents"] == DOCS - 1


# --------------------------------------------------------------------------- narrowing


def test_annotators_narrow_and_keep_their_order(base: Path):
    report = report_of(base, "--annotators", "ann3,ann1")
    assert report["annotators"] == ["ann3", "ann1"]
    assert len(report["spans"]["exact"]["pairs"]) == 1
    assert report["selection"]["files"] == DOCS * 2


def test_docs_and_labels_narrow(base: Path, base_report: dict):
    ids = doc_ids(base)[:2]
    report = report_of(base, "--docs", ",".join(ids), "--labels", "PER,GPE")
    assert report["documents"] == 2
    assert sorted(d["id"] for d in report["per_document"]) == ids
    assert set(report["labels"]) <= {"PER", "GPE"}
    assert set(report["spans"]["exact"]["per_label"]) <= {"PER", "GPE"}
    assert report["selection"]["labels"] == ["PER", "GPE"]


def test_done_only(ws: Path):
    ids = doc_ids(ws)
    for annotator, doc_id in (("ann1", ids[0]), ("ann2", ids[0]), ("ann2", ids[7])):
        path = annotation_file(ws, annotator, doc_id)
        data = orjson.loads(path.read_bytes())
        data["status"] = "in_progress"
        path.write_bytes(orjson.dumps(data))
    everything = report_of(ws, name="all.json")
    assert everything["selection"]["files"] == DOCS * 3
    done = report_of(ws, "--done-only")
    assert done["selection"]["files"] == DOCS * 3 - 3
    assert done["selection"]["not_done_skipped"] == 3
    per_doc = {d["id"]: d for d in done["per_document"]}
    assert per_doc[ids[0]]["annotators"] == 1 and per_doc[ids[7]]["annotators"] == 2


def test_untouched_not_started_files_are_no_annotation(ws: Path):
    """The rule adjudication and export follow too: an untouched not_started file (nothing
    in it) is not an annotator who marked nothing; a not_started file with entities, or a
    done file with none, is an annotation."""
    from annotator.core.agreement.input import load_tables

    ids = doc_ids(ws)
    for annotator, doc_id, status, empty in (
        ("ann1", ids[0], "not_started", True),  # skipped
        ("ann2", ids[1], "not_started", False),  # kept: it has annotations
        ("ann3", ids[2], "done", True),  # kept: done, the annotator found nothing
    ):
        path = annotation_file(ws, annotator, doc_id)
        data = orjson.loads(path.read_bytes())
        data["status"] = status
        if empty:
            data["entities"], data["events"] = [], []
        path.write_bytes(orjson.dumps(data))
    tables = load_tables(Workspace.open(ws))
    covered = set(tables.coverage.iter_rows())
    assert ("ann1", ids[0]) not in covered
    assert {("ann2", ids[1]), ("ann3", ids[2])} <= covered
    assert tables.not_started == 1 and tables.files == DOCS * 3 - 1
    report = report_of(ws)
    assert report["selection"]["not_started_skipped"] == 1
    per_doc = {d["id"]: d for d in report["per_document"]}
    assert per_doc[ids[0]]["annotators"] == 2 and per_doc[ids[2]]["annotators"] == 3


# --------------------------------------------------------------------------- formats and files


@pytest.mark.parametrize("fmt, name", [("markdown", "r.md"), ("html", "r.html"), ("csv", "r.csv")])
def test_other_formats(base: Path, tmp_path: Path, fmt: str, name: str):
    out = tmp_path / name
    result = run("agreement", "--format", fmt, "--out", out, cwd=base)
    assert result.code == 0, result.err
    assert str(out) in result.out
    text = out.read_text(encoding="utf-8")
    if fmt == "markdown":
        assert text.startswith("# ") and "ann1" in text
    elif fmt == "csv":
        assert text.splitlines()[0].startswith("measure,")
    else:
        assert 'dir="rtl"' in text
        assert "http" not in text  # stands alone: no URL at all, not even an XML namespace
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)


def test_the_format_follows_the_suffix(base: Path, tmp_path: Path):
    out = tmp_path / "report.md"
    assert run("agreement", "--out", out, cwd=base).code == 0
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_refuses_to_overwrite_without_force(base: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    out.write_text("keep", encoding="utf-8")
    assert_one_error(run("agreement", "--format", "json", "--out", out, cwd=base), "exists", "--force")
    assert out.read_text(encoding="utf-8") == "keep"
    assert run("agreement", "--format", "json", "--out", out, "--force", cwd=base).code == 0
    assert orjson.loads(out.read_bytes())["documents"] == DOCS
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize(
    "option, value, needle",
    [
        ("--annotators", "ann1,nobody", "nobody"),
        ("--annotators", "gold", "adjudicated"),
        ("--docs", "nosuchdoc", "nosuchdoc"),
        ("--labels", "PER,NOPE", "NOPE"),
    ],
)
def test_bad_names_exit_2_with_one_line(base: Path, option: str, value: str, needle: str):
    assert_one_error(run("agreement", option, value, cwd=base), needle)


def test_every_bad_name_gets_its_line(base: Path):
    result = run("agreement", "--annotators", "x,y", "--labels", "Z", cwd=base)
    assert result.code == 2
    assert len(result.err.splitlines()) == 3, result.err


def test_against_gold_and_the_complete_disagreement_list(base: Path, tmp_path: Path):
    """--against gold adds each annotator's precision, recall and F1 (gold is no annotator
    of the pairs); --disagreements writes every disagreement, of every kind, as CSV, the
    same list as the JSON; Markdown shows the first ones and says how many more."""
    out, listing, md = tmp_path / "r.json", tmp_path / "all.csv", tmp_path / "r.md"
    result = run("agreement", "--against", "gold", "--out", out, "--disagreements", listing, cwd=base)
    assert result.code == 0, result.err
    report = orjson.loads(out.read_bytes())
    assert report["reference"] == "gold" and report["annotators"] == ANNOTATORS
    assert [g["annotator"] for g in report["against"]] == ANNOTATORS
    for g in report["against"]:
        assert g["documents"] == DOCS and 0.5 < g["spans"]["f1"] < 1 and 0.5 < g["triggers"]["recall"] < 1
        assert g["spans"]["gold"] == sum(g["per_label"][lab]["gold"] for lab in g["per_label"])
    assert report["excluded"] == []  # gold is the reference, not left out
    rows = list(csv.DictReader(io.StringIO(listing.read_text(encoding="utf-8"))))
    assert len(rows) == report["disagreements_total"] == len(report["disagreements"]) > 200
    assert {r["kind"] for r in rows} == {"entity", "trigger", "argument"}
    assert [(r["doc_id"], r["kind"], int(r["start"])) for r in rows] == [
        (d["doc_id"], d["kind"], d["start"]) for d in report["disagreements"]
    ]
    argument = next(r for r in rows if r["kind"] == "argument")
    assert argument["trigger_text"] and argument["what"] in {"missing argument", "different roles", "different entity"}
    assert run("agreement", "--out", md, cwd=base).code == 0
    text = md.read_text(encoding="utf-8")
    assert f"Disagreements (200 of {report['disagreements_total']}" in text
    assert f"{report['disagreements_total'] - 200} more" in text
    capped = report_of(base, "--max-disagreements", "5", name="capped.json")
    assert len(capped["disagreements"]) == 5 and capped["disagreements_total"] == report["disagreements_total"]
    assert capped["disagreements"] == report["disagreements"][:5]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--against", "nobody"], "--against: no annotator or gold folder 'nobody'"),
        (["--annotators", "ann1,ann2", "--against", "ann2"], "leave it out of --annotators"),
        (["--max-disagreements", "-1"], "--max-disagreements: at least 0"),
    ],
)
def test_bad_against_and_cap_exit_2(base: Path, args: list[str], needle: str):
    assert_one_error(run("agreement", *args, cwd=base), needle)


def test_an_annotator_as_the_reference(base: Path):
    report = report_of(base, "--against", "ann3", name="ann3.json")
    assert report["annotators"] == ["ann1", "ann2"] and report["reference"] == "ann3"
    assert len(report["spans"]["exact"]["pairs"]) == 1
    assert [g["annotator"] for g in report["against"]] == ["ann1", "ann2"]


# --------------------------------------------------------------------------- the loader


def test_worker_processes_give_the_same_tables(base: Path):
    from annotator.core.agreement import input as agreement_input

    ws = Workspace.open(base)
    seen: list[tuple[str, int, int]] = []
    inline = agreement_input.load_tables(ws, progress=lambda *a: seen.append(a), use_cache=False)
    parallel = agreement_input.load_tables(ws, workers=2, use_cache=False)
    for name in ("spans", "coverage", "tokens", "doc_lengths", "events", "arguments"):
        a, b = getattr(inline, name), getattr(parallel, name)
        assert a.columns == b.columns, name
        assert a.sort(a.columns).equals(b.sort(b.columns)), name
    assert inline.texts == parallel.texts and len(inline.texts) == DOCS
    assert inline.excluded == parallel.excluded
    assert (agreement_input.STAGE_FILES, DOCS * 3, DOCS * 3) in seen
    assert (agreement_input.STAGE_TEXTS, DOCS, DOCS) in seen
