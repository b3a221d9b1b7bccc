"""Stage 3: a validated Plan + a language -> plain values for a template.

One context function per document type (``nap_context``, ``tor_context``, the
consultation and review summaries), registered with its template in ``docgen.documents.DOCUMENTS``.
"""
from .nap import common_context, nap_context  # noqa: F401
from .values import Tx, tx  # noqa: F401
