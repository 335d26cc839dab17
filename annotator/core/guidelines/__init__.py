"""Versioned guidelines: schemas and manuals (``schema``), migrations between versions (``migration``)."""
