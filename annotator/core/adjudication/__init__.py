"""Adjudication: running a strategy over the workspace into gold (``run``), the merge of
annotators' versions into units (``merge``), and accepting or rejecting conflicts (``curate``)."""
