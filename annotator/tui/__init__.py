"""The Textual user interface: a thin layer of screens and widgets over annotator.core."""
