"""The core: documents, text, layout, guidelines, storage, agreement, export.

Nothing in this package imports Textual (tests/test_core_isolation.py checks it).
"""
