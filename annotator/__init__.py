"""annotator: a terminal application for annotating Arabic text."""

__version__ = "0.1.0"
