"""Versioned guidelines: the shipped schemas and manuals, validation errors, diff and migration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.errors import AnnotatorError
from annotator.core.guidelines.migration import diff, migrate, review_queue
from annotator.core.guidelines.schema import RESERVED_KEYS, check, list_versions, load_schema, manual_sections
from tests.conftest import document_1_0_0

ROOT = Path(__file__).resolve().parents[1]
GUIDELINES = ROOT / "guidelines"
SHIPPED = ["1.0.0", "2.0.0"]


def schema_toml(
    version: str,
    labels: list[tuple[str, str, str]],
    roles: list[tuple[str, list[str]]],
    previous: str | None = None,
    migrations: str = "",
) -> str:
    """A small schema.toml: the given labels and one Conflict.Attack event with the given roles."""
    lines = [f'version = "{version}"', 'title = "Test"']
    if previous:
        lines.append(f'previous = "{previous}"')
    for name, key, colour in labels:
        lines += [
            "",
            "[[labels]]",
            f'name = "{name}"',
            f'key = "{key}"',
            f'colour = "{colour}"',
            'description = "A label."',
            "examples = []",
        ]
    lines += [
        "",
        "[[events]]",
        'name = "Conflict.Attack"',
        'key = "t"',
        'colour = "#ff4500"',
        'description = "An attack."',
        'examples = ["قصف"]',
    ]
    for name, entities in roles:
        lines += ["", "[[events.roles]]", f'name = "{name}"', f"entities = {json.dumps(entities)}"]
    return "\n".join(lines) + "\n" + migrations


PER_GPE = [("PER", "1", "#ff6b6b"), ("GPE", "2", "#51cf66")]
BASE = schema_toml("1.0.0", PER_GPE, [("Attacker", ["PER", "GPE"]), ("Place", ["GPE"])])


def write_version(root: Path, version: str, text: str) -> Path:
    folder = root / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.toml").write_text(text, encoding="utf-8")
    manual = "# Test\n\n## PER\nPeople.\n\n## GPE\nPlaces.\n\n## Conflict.Attack\nAttacks.\n"
    (folder / "guidelines.md").write_text(manual, encoding="utf-8")
    return folder / "schema.toml"


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def assert_reported(root: Path, path: Path, line: int, fragment: str) -> None:
    problems = check(root)
    assert any(p.startswith(f"{path}:{line}: ") and fragment in p for p in problems), problems


# ---------------------------------------------------------------- shipped versions


def test_shipped_versions_load_and_check_clean():
    assert list_versions(GUIDELINES) == SHIPPED
    assert check(GUIDELINES) == []
    old, new = (load_schema(GUIDELINES, v) for v in SHIPPED)
    assert [x.name for x in old.labels] == [
        "PER",
        "ORG",
        "GPE",
        "LOC",
        "FAC",
        "NORP",
        "WEA",
        "VEH",
        "DATE",
        "TIME",
        "MONEY",
        "CARDINAL",
    ]
    assert [x.name for x in old.events] == ["Conflict.Attack", "Life.Die", "Life.Injure", "Movement.Transport"]
    assert {"TIMEX", "MEDIA"} <= {x.name for x in new.labels}
    assert not {"DATE", "TIME"} & {x.name for x in new.labels}
    assert new.previous == "1.0.0" and old.previous is None
    assert new.roles_for("Conflict.Attack", "TIMEX") == ("Time",)
    assert old.roles_for("Conflict.Attack", "DATE") == ("Time",)
    assert "MEDIA" in new.event("Conflict.Attack").role("Target").entities
    assert new.by_key("b") == new.label("MEDIA")
    assert new.by_key("t") == new.event("Conflict.Attack")


@pytest.mark.parametrize("version", SHIPPED)
def test_keys_and_colours_unique_and_keys_not_reserved(version):
    schema = load_schema(GUIDELINES, version)
    items = [*schema.labels, *schema.events]
    keys = [x.key for x in items]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & RESERVED_KEYS
    assert len({x.colour for x in items}) == len(items)


@pytest.mark.parametrize("version", SHIPPED)
def test_examples_come_from_the_seed_articles(version):
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))
    schema = load_schema(GUIDELINES, version)
    missing = [(x.name, e) for x in (*schema.labels, *schema.events) for e in x.examples if e not in seeds]
    assert missing == []


@pytest.mark.parametrize("version", SHIPPED)
def test_manual_has_a_section_for_every_label_and_event_type(version):
    schema = load_schema(GUIDELINES, version)
    sections = manual_sections(GUIDELINES, version)
    for name in [x.name for x in (*schema.labels, *schema.events)]:
        assert sections.get(name, "").strip(), name
    assert {"Span boundaries", "Event triggers", "Arguments and roles"} <= sections.keys()
    if schema.previous:
        assert f"Changes from {schema.previous}" in sections


def test_manual_sections_keep_subheadings_and_ignore_fenced_headings(tmp_path):
    (tmp_path / "1.0.0").mkdir()
    (tmp_path / "1.0.0" / "guidelines.md").write_text(
        "# Title\nintro\n\n## PER\nPeople.\n### Tricky\nTitles out.\n```\n## not a heading\n```\n"
        "## Conflict.Attack ##\nAttacks.\n# Appendix\nignored\n"
    )
    sections = manual_sections(tmp_path, "1.0.0")
    assert sections == {
        "PER": "People.\n### Tricky\nTitles out.\n```\n## not a heading\n```",
        "Conflict.Attack": "Attacks.",
    }


def test_diff_between_shipped_versions():
    text = "\n".join(diff(load_schema(GUIDELINES, "1.0.0"), load_schema(GUIDELINES, "2.0.0")))
    for word in ("TIMEX", "DATE", "TIME", "MEDIA"):
        assert word in text
    assert "label DATE removed" in text and "label MEDIA added" in text
    assert "role Time now accepts TIMEX, no longer DATE, TIME" in text
    assert "merge DATE, TIME → TIMEX (entity)" in text


# ---------------------------------------------------------------- validation errors

CASES = [
    # id, replace this, with this, line holding this (nth occurrence), message fragment
    ("toml syntax", 'name = "GPE"', "name = GPE", "name = GPE", 1, "TOML syntax error"),
    ("missing key", 'colour = "#51cf66"\n', "", "[[labels]]", 2, "missing key 'colour'"),
    ("missing top-level key", 'title = "Test"\n', "", 'version = "1.0.0"', 1, "missing key 'title'"),
    ("unknown key", 'key = "2"', 'key = "2"\ncolor = "#ffffff"', "color =", 1, "unknown key 'color'"),
    (
        "wrong type",
        'examples = ["قصف"]',
        'examples = "قصف"',
        'examples = "قصف"',
        1,
        "'examples' must be a list of strings",
    ),
    ("duplicate label name", 'name = "GPE"', 'name = "PER"', 'name = "PER"', 2, "label 'PER' is declared twice"),
    ("duplicate key", 'key = "2"', 'key = "1"', 'key = "1"', 2, "key '1' is already used by label 'PER'"),
    ("event key used by a label", 'key = "t"', 'key = "2"', 'key = "2"', 2, "already used by label 'GPE'"),
    ("reserved key", 'key = "2"', 'key = "q"', 'key = "q"', 1, "key 'q' is reserved"),
    ("key too long", 'key = "2"', 'key = "22"', 'key = "22"', 1, "must be one visible character"),
    ("bad colour", 'colour = "#51cf66"', 'colour = "green"', 'colour = "green"', 1, "is not #rrggbb"),
    ("dark colour", 'colour = "#51cf66"', 'colour = "#000080"', 'colour = "#000080"', 1, "too dark"),
    ("duplicate colour", 'colour = "#51cf66"', 'colour = "#ff6b6b"', 'colour = "#ff6b6b"', 2, "is already used"),
    ("bad semver", 'version = "1.0.0"', 'version = "1.0"', 'version = "1.0"', 1, "is not MAJOR.MINOR.PATCH"),
    (
        "version not folder",
        'version = "1.0.0"',
        'version = "1.0.1"',
        'version = "1.0.1"',
        1,
        "does not match its folder '1.0.0'",
    ),
    (
        "role accepts unknown label",
        'entities = ["GPE"]',
        'entities = ["GPE", "XYZ"]',
        '"XYZ"',
        1,
        "accepts unknown label 'XYZ'",
    ),
    ("duplicate role", 'name = "Place"', 'name = "Attacker"', 'name = "Attacker"', 2, "declared twice"),
    ("bad event name", 'name = "Conflict.Attack"', 'name = "Attack"', 'name = "Attack"', 1, "bad event type name"),
    (
        "migration without previous",
        'entities = ["GPE"]\n',
        'entities = ["GPE"]\n\n[[migrations]]\nop = "remove"\nkind = "entity"\nfrom = "LOC"\nnote = "x"\n',
        "[[migrations]]",
        1,
        "without a 'previous'",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "nth", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_schema_error_names_file_and_line(tmp_path, old, new, needle, nth, fragment):
    assert BASE.count(old) == 1
    text = BASE.replace(old, new)
    path = write_version(tmp_path, "1.0.0", text)
    assert_reported(tmp_path, path, line_of(text, needle, nth), fragment)
    with pytest.raises(AnnotatorError) as error:
        load_schema(tmp_path, "1.0.0")
    assert error.value.where.startswith(f"{path}:")


def migration(op: str, frm: str, to: str | None = None) -> str:
    target = f"to = {to}\n" if to else ""
    return f'\n[[migrations]]\nop = "{op}"\nkind = "entity"\nfrom = {frm}\n{target}note = "Why."\n'


WITH_LOC = [*PER_GPE, ("LOC", "3", "#a9e34b")]
ROLES = [("Attacker", ["PER", "GPE"]), ("Place", ["GPE", "LOC"])]


def v2(previous: str, migrations: str = "") -> str:
    """Version 2.0.0 (PER, GPE, LOC) after ``previous``, with these migrations."""
    return schema_toml("2.0.0", WITH_LOC, ROLES, previous, migrations)


MIGRATION_CASES = [
    (
        "from unknown in previous",
        v2("1.0.0", migration("rename", '"NOPE"', '"LOC"')),
        'from = "NOPE"',
        "entity 'NOPE' is not in 1.0.0",
    ),
    (
        "to unknown in this version",
        v2("1.0.0", migration("split", '"GPE"', '["GPE", "XYZ"]')),
        'to = ["GPE", "XYZ"]',
        "entity 'XYZ' is not in 2.0.0",
    ),
    (
        "merged label still declared",
        v2("1.0.0", migration("merge", '["GPE", "PER"]', '"LOC"')),
        'from = ["GPE", "PER"]',
        "entity 'GPE' is still in 2.0.0",
    ),
    (
        "label gone without migration",
        schema_toml("2.0.0", [PER_GPE[0], WITH_LOC[2]], [("Place", ["LOC"])], "1.0.0"),
        'previous = "1.0.0"',
        "label 'GPE' of 1.0.0 is gone",
    ),
    (
        "previous missing",
        v2("0.9.0"),
        'previous = "0.9.0"',
        "previous version 0.9.0 does not exist",
    ),
    ("previous not older", v2("3.0.0"), 'previous = "3.0.0"', "is not older"),
    (
        "unknown op",
        v2("1.0.0", migration("move", '"GPE"', '"LOC"')),
        'op = "move"',
        "unknown op 'move'",
    ),
    (
        "wrong arity",
        v2("1.0.0", migration("rename", '["PER", "GPE"]', '"LOC"')),
        "[[migrations]]",
        "rename takes one name in from and another in to",
    ),
]


@pytest.mark.parametrize(
    ("text", "needle", "fragment"), [c[1:] for c in MIGRATION_CASES], ids=[c[0] for c in MIGRATION_CASES]
)
def test_migration_error_names_file_and_line(tmp_path, text, needle, fragment):
    write_version(tmp_path, "1.0.0", BASE)
    path = write_version(tmp_path, "2.0.0", text)
    assert_reported(tmp_path, path, line_of(text, needle), fragment)
    with pytest.raises(AnnotatorError):
        load_schema(tmp_path, "2.0.0")


def test_check_reports_missing_manual_section_and_bad_folder_name(tmp_path):
    path = write_version(tmp_path, "1.0.0", BASE)
    (path.parent / "guidelines.md").write_text("## PER\nPeople.\n")
    write_version(tmp_path, "latest", BASE)
    problems = check(tmp_path)
    manual = path.parent / "guidelines.md"
    assert f"{manual}: no '## GPE' section (every label and event type needs one)" in problems
    assert any("latest: folder name is not a version" in p for p in problems)


def test_unknown_version_is_an_error():
    with pytest.raises(AnnotatorError, match="no such guidelines version"):
        load_schema(GUIDELINES, "9.9.9")


# ---------------------------------------------------------------- migration


def document(version: str, entities: tuple[Entity, ...], events: tuple[Event, ...] = ()) -> DocumentAnnotations:
    return DocumentAnnotations(
        doc_id="000_cc412d3027dac405",
        text_sha256="0" * 64,
        guidelines=version,
        annotator="amal",
        status="in_progress",
        entities=entities,
        events=events,
    )


def shipped_1_0_0_document() -> DocumentAnnotations:
    return document_1_0_0()


def test_migrate_shipped_1_0_0_to_2_0_0():
    doc = shipped_1_0_0_document()
    migrated, messages = migrate(doc, GUIDELINES, "2.0.0")
    assert migrated.guidelines == "2.0.0"
    by_id = {e.id: e for e in migrated.entities}
    assert (by_id["T1"].label, by_id["T1"].needs_review) == ("TIMEX", None)
    assert (by_id["T2"].label, by_id["T2"].needs_review) == ("TIMEX", None)
    for org in ("T3", "T6"):
        assert by_id[org].label == "ORG"
        assert by_id[org].needs_review == "ORG split into ORG, MEDIA in 2.0.0: choose"
    assert by_id["T4"] == doc.entity("T4") and by_id["T5"] == doc.entity("T5")
    (event,) = migrated.events
    assert event.needs_review is None
    schema = load_schema(GUIDELINES, "2.0.0")
    for argument in event.arguments:
        entity = migrated.entity(argument.entity)
        assert entity is not None
        assert argument.role in schema.roles_for(event.type, entity.label)
    assert messages == [
        "2.0.0: 1 DATE → TIMEX (merge)",
        "2.0.0: 1 TIME → TIMEX (merge)",
        "2.0.0: 2 ORG → ORG, MEDIA (split): kept, marked for review",
    ]
    assert [x.id for x in review_queue(migrated)] == ["T3", "T6"]
    assert review_queue(doc) == []


def test_migrate_is_idempotent_on_a_2_0_0_document():
    migrated, _ = migrate(shipped_1_0_0_document(), GUIDELINES, "2.0.0")
    again, messages = migrate(migrated, GUIDELINES, "2.0.0")
    assert again == migrated and messages == []


def test_migrate_backwards_or_without_a_path_is_an_error():
    migrated, _ = migrate(shipped_1_0_0_document(), GUIDELINES, "2.0.0")
    with pytest.raises(AnnotatorError, match="back to 1.0.0"):
        migrate(migrated, GUIDELINES, "1.0.0")
    with pytest.raises(AnnotatorError, match="no migration path from 0.9.0 to 2.0.0"):
        migrate(document("0.9.0", ()), GUIDELINES, "2.0.0")


def test_migrate_through_a_chain_with_rename_role_rename_and_remove(tmp_path):
    write_version(tmp_path, "1.0.0", BASE)
    renames = migration("rename", '"PER"', '"PERSON"') + (
        '\n[[migrations]]\nop = "rename"\nkind = "role"\nfrom = "Place"\nto = "Location"\nnote = "Clearer."\n'
    )
    write_version(
        tmp_path,
        "1.1.0",
        schema_toml(
            "1.1.0",
            [("PERSON", "1", "#ff6b6b"), PER_GPE[1]],
            [("Attacker", ["PERSON", "GPE"]), ("Location", ["GPE"])],
            "1.0.0",
            renames,
        ),
    )
    write_version(
        tmp_path,
        "2.0.0",
        schema_toml(
            "2.0.0",
            [("PERSON", "1", "#ff6b6b"), ("LOC", "3", "#a9e34b")],
            [("Attacker", ["PERSON"]), ("Location", ["LOC"])],
            "1.1.0",
            migration("remove", '"GPE"'),
        ),
    )
    missing = [("1.1.0", "PERSON"), ("2.0.0", "PERSON"), ("2.0.0", "LOC")]  # the test manual has PER and GPE
    assert check(tmp_path) == [
        f"{tmp_path / v / 'guidelines.md'}: no '## {name}' section (every label and event type needs one)"
        for v, name in missing
    ]
    doc = document(
        "1.0.0",
        (Entity("P", 0, 5, "PER"), Entity("G", 10, 18, "GPE")),
        (Event("E1", "Conflict.Attack", 6, 9, (Argument("Attacker", "P"), Argument("Place", "G"))),),
    )

    migrated, messages = migrate(doc, tmp_path, "2.0.0")

    assert migrated.guidelines == "2.0.0"
    assert migrated.entity("P").label == "PERSON" and migrated.entity("P").needs_review is None
    assert migrated.entity("G").label == "GPE"
    assert migrated.entity("G").needs_review == "GPE removed in 2.0.0: relabel or delete"
    (event,) = migrated.events
    assert event.arguments == (Argument("Attacker", "P"), Argument("Location", "G"))
    assert event.needs_review == "Conflict.Attack in 2.0.0 does not accept argument Location (GPE): fix"
    assert messages == [
        "1.1.0: 1 PER → PERSON (rename)",
        "1.1.0: 1 Place argument → Location (rename)",
        "2.0.0: 1 GPE (remove): kept, marked for review",
        "2.0.0: 1 event(s) with arguments the new roles do not accept: marked for review",
    ]
    assert [x.id for x in review_queue(migrated)] == ["E1", "G"]
    middle, _ = migrate(doc, tmp_path, "1.1.0")
    assert migrate(middle, tmp_path, "2.0.0")[0] == migrated
