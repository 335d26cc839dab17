"""Annotations: the immutable model (``model``), every change checked against the schema
with undo and redo (``editing``), and one annotator's files on disk (``store``)."""
