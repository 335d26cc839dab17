"""The top-level keys every JSON agreement report has: what a team's scripts read."""

REPORT_KEYS = frozenset(
    {
        "guidelines",
        "annotators",
        "documents",
        "spans",
        "tokens",
        "unitizing_alpha",
        "events",
        "per_document",
        "confusion",
        "disagreements",
        "excluded",
    }
)
