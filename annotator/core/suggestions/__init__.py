"""Suggestions: spans proposed to an annotator, never annotations until accepted (issue 14).

- ``model``: ``Suggestion`` and ``Decision``, and the workspace layout under ``suggestions/``.
- ``lexicon`` + ``matching``: the string-matching source (what the workspace already annotated,
  and the guidelines' examples, matched on the search normalization and through clitics).
- ``store``: model predictions imported as suggestions, and each annotator's decisions.
- ``service``: the suggestions of one document for one annotator, every source together,
  less what is annotated or was rejected.
"""
