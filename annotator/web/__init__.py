"""The app in a web browser: ``annotator serve`` (textual-serve), one app process per tab."""
