"""Inter-annotator agreement computed with polars over whole tables (pure core, no Textual).

Entry point: :func:`compute_report` (an :class:`AgreementReport`, whose ``to_dict()`` is
the JSON report) and the renderers in :mod:`annotator.core.agreement.render`. The single
measures are importable too.
"""

from annotator.core.agreement.disagreements import disagreement_list, label_confusion
from annotator.core.agreement.events import EventAgreement, event_agreement
from annotator.core.agreement.kappa import cohen_kappa, fleiss_kappa, krippendorff_alpha
from annotator.core.agreement.render import to_csv, to_html, to_markdown
from annotator.core.agreement.report import compute_report
from annotator.core.agreement.report_model import AgreementReport, SummaryRow, Value
from annotator.core.agreement.scores import NULL_CONVENTION, Score, Undefined
from annotator.core.agreement.spans import F1Result, PairF1, SpanAgreement, most_pairs_matching, span_f1
from annotator.core.agreement.tables import Study, study, token_label_matrix
from annotator.core.agreement.unitizing import UnitizingResult, alpha_u, unitizing_alpha

__all__ = [
    "NULL_CONVENTION",
    "AgreementReport",
    "EventAgreement",
    "F1Result",
    "PairF1",
    "Score",
    "SpanAgreement",
    "Study",
    "SummaryRow",
    "Undefined",
    "UnitizingResult",
    "Value",
    "alpha_u",
    "cohen_kappa",
    "compute_report",
    "disagreement_list",
    "event_agreement",
    "fleiss_kappa",
    "krippendorff_alpha",
    "label_confusion",
    "most_pairs_matching",
    "span_f1",
    "study",
    "to_csv",
    "to_html",
    "to_markdown",
    "token_label_matrix",
    "unitizing_alpha",
]
