"""`annotator guidelines list | show VERSION | diff A B | check`: the workspace's guidelines versions."""

from __future__ import annotations

import argparse

from annotator.cli import Commands, console, plain, say


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    guidelines = sub.add_parser("guidelines", help="list, show, compare and check the guidelines versions")
    actions = guidelines.add_subparsers(dest="guidelines_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="the versions, their size, and which one the workspace uses")
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", help="the labels and event types of one version")
    show.add_argument("version", nargs="?", default=None, help="a version (default: the workspace's)")
    show.add_argument("--manual", action="store_true", help="also print the manual (guidelines.md)")
    show.set_defaults(handler=_show)

    diff = actions.add_parser("diff", help="what changed from version A to version B")
    diff.add_argument("a")
    diff.add_argument("b")
    diff.set_defaults(handler=_diff)

    check = actions.add_parser("check", help="validate every version's schema and manual")
    check.set_defaults(handler=_check)


def _workspace(args: argparse.Namespace):
    from annotator.cli import open_workspace

    return open_workspace(args)


def _list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from annotator.core.errors import AnnotatorError
    from annotator.core.guidelines.schema import list_versions, load_schema

    ws = _workspace(args)
    versions = list_versions(ws.guidelines_dir)
    active = ws.config.guidelines
    table = Table(title=plain(f"Guidelines in {ws.guidelines_dir}"), title_justify="left")
    for column, justify in (
        ("version", "left"),
        ("title", "left"),
        ("labels", "right"),
        ("event types", "right"),
        ("previous", "left"),
        ("active", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for version in versions:
        mark = "active" if version == active else ""
        try:
            schema = load_schema(ws.guidelines_dir, version)
        except AnnotatorError:
            table.add_row(plain(version), "(has errors: run 'annotator guidelines check')", "?", "?", "", mark)
            continue
        table.add_row(
            plain(version),
            plain(schema.title),
            str(len(schema.labels)),
            str(len(schema.events)),
            plain(schema.previous or ""),
            mark,
        )
    console().print(table)
    if active not in versions:
        say(f"the workspace names guidelines {active}, which is not in {ws.guidelines_dir}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from rich.markdown import Markdown
    from rich.table import Table

    from annotator.core.guidelines.schema import MANUAL_FILE
    from annotator.core.text.printable import printable

    ws = _workspace(args)
    version = args.version or ws.config.guidelines
    schema = _load(ws, version)
    out = console()
    active = " (active)" if version == ws.config.guidelines else ""
    out.print(plain(f"Guidelines {schema.version}{active}: {schema.title}", style="bold"))
    if schema.previous:
        out.print(plain(f"previous version: {schema.previous}"))

    labels = Table(title="Labels", title_justify="left")
    for column in ("key", "name", "colour", "description"):
        labels.add_column(column, overflow="fold")
    for label in schema.labels:
        labels.add_row(plain(label.key), plain(label.name), _swatch(label.colour), plain(label.description))
    out.print(labels)

    events = Table(title="Event types", title_justify="left")
    for column in ("key", "name", "colour", "role", "accepts"):
        events.add_column(column, overflow="fold")
    for event in schema.events:
        first = True
        for role in event.roles or ():
            events.add_row(
                plain(event.key if first else ""),
                plain(event.name if first else ""),
                _swatch(event.colour) if first else "",
                plain(role.name),
                plain(", ".join(role.entities)),
            )
            first = False
        if first:
            events.add_row(plain(event.key), plain(event.name), _swatch(event.colour), "", "")
        events.add_section()
    out.print(events)

    if args.manual:
        path = ws.guidelines_dir / version / MANUAL_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            from annotator.core.errors import AnnotatorError

            raise AnnotatorError("cannot read the manual", str(path), str(exc)) from exc
        out.rule(plain(f"{MANUAL_FILE} ({version})"))
        out.print(Markdown(printable(text, newlines=True)))  # the manual's Markdown is its format; its controls are not
    return 0


def _load(ws, version: str):
    """The schema of ``version``; an unknown one is an error naming the versions there are."""
    from annotator.core.errors import AnnotatorError
    from annotator.core.guidelines.schema import list_versions, load_schema

    available = list_versions(ws.guidelines_dir)
    if version not in available:
        raise AnnotatorError(
            f"no guidelines version {version!r}", str(ws.guidelines_dir), f"available: {', '.join(available) or 'none'}"
        )
    return load_schema(ws.guidelines_dir, version)


def _swatch(colour: str):
    from rich.text import Text

    return Text.assemble(("  ", f"on {colour}"), " ", (colour, colour))


def _diff(args: argparse.Namespace) -> int:
    from annotator.core.guidelines.migration import diff

    ws = _workspace(args)
    a, b = _load(ws, args.a), _load(ws, args.b)
    lines = diff(a, b)
    for line in lines:
        say(" ".join(line.splitlines()))
    if not lines:
        say(f"no differences between {a.version} and {b.version}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from annotator.cli import EXIT_BAD_INPUT
    from annotator.core.guidelines.schema import check

    ws = _workspace(args)
    problems = check(ws.guidelines_dir)
    if not problems:
        print("ok")
        return 0
    for problem in problems:
        say(f"annotator: error: {' '.join(problem.splitlines())}", err=True)
    return EXIT_BAD_INPUT
