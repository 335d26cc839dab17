"""Text from data made safe for a terminal: the one function every output uses for it.

Whatever comes from a file, a name or a path (a label, a document id, a title, an error
that quotes them, a snippet of corpus text in a report) goes through :func:`printable`
before it meets a terminal, the CLI's and the app's alike. Control characters (C0, DEL
and C1) become the visible symbols the reader draws for them (``shaping.safe``): ESC is
shown as ␛, so no escape sequence (a clipboard write, a window title, a cleared screen)
can be sent by a file. Explicit bidi controls and the line and paragraph separators are
named (``<U+202E>``), so a name cannot reorder or break the line it stands in. Lone
surrogates (a file name that is not UTF-8, decoded by Python) become U+FFFD, which can be
encoded. Arabic and every other printable character stay as they are.

Markup is the other half: data is never markup. Rich and Textual read markup only from
``str`` given where markup is expected; callers wrap printable text in ``rich.text.Text``
(or pass ``markup=False``), and the agreement reports escape it for their own format.
"""

from __future__ import annotations

from annotator.core.text.characters import BIDI_CONTROLS
from annotator.core.text.shaping import safe

# Named rather than shown: what would reorder the line (bidi controls) or break it (LINE and
# PARAGRAPH SEPARATOR) without being seen.
NAMED = BIDI_CONTROLS | {"\u2028", "\u2029"}
_TABLE: dict[int, str] = {ord(c): f"<U+{ord(c):04X}>" for c in NAMED}
_TABLE.update({c: "\ufffd" for c in range(0xD800, 0xE000)})


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with nothing a terminal would act on: controls as symbols, bidi controls named.
    ``newlines``: keep line breaks (a manual, a multi-line message); else they show as ␊."""
    if newlines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return safe(text).translate(_TABLE)
