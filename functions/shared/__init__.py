"""Code several of the example node functions share, so each piece is written once.

This is project code, not flowctl's: the functions import it as the ``shared`` package. On
Lambda it ships in the runtime layer (``flowctl synth`` copies ``functions/shared/`` next to
``orchestrator`` in ``.flowctl/layer/``), since a function's own package holds only its folder;
locally flowctl imports every ``app.py`` with ``functions/`` on ``sys.path`` (see
:mod:`orchestrator.function_import`). One module per concern:

* :mod:`shared.reconciliation` — amounts in cents and the result shape of the reconciliation
  matching passes;
* :mod:`shared.kyc` — the per-user KYC records (decision records and profiles);
* :mod:`shared.contracts` — models the functions' typed contracts share.

Example (``functions/mark_verified/app.py``)::

    from shared.kyc import RecordError, record_decision
"""

from __future__ import annotations

__all__: list[str] = []
