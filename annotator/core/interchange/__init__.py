"""Interchange with other tools: the JSONL span format both ways (``jsonl``), CoNLL import (``conll``)."""
