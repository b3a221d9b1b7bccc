"""Stage 3: a validated Plan + a language -> plain values for a template.

One context function per document type (``nap_context``; issue 4 adds the ToR
and consultations), registered with its template in ``docgen.build.DOCUMENTS``.
"""
from .nap import common_context, nap_context  # noqa: F401
from .values import Tx, tx  # noqa: F401
