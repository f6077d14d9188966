"""What several node functions of ``functions/`` share, so each piece is written once.

The runtime layer ships the whole ``orchestrator`` package, so a function folder on Lambda
imports these modules the same way it does locally. Like the rest of the library they are
pure at import time (no clients, no environment reads). One module per concern:

* :mod:`orchestrator.nodekit.inputs` — required inputs and reading the file an input names,
  each failure raised as the calling function's own error class (its error name in the flow);
* :mod:`orchestrator.nodekit.reconciliation` — amounts in cents and the result shape of the
  reconciliation matching passes;
* :mod:`orchestrator.nodekit.kyc` — the per-user KYC records (decision records and profiles);
* :mod:`orchestrator.nodekit.contracts` — models the functions' typed contracts share.

Example (``functions/extract_csv/app.py``)::

    from orchestrator.nodekit.inputs import read_text_or_raise, require_input

    path = require_input(inputs, "path", CsvFileError, "the CSV file to read")
    text = read_text_or_raise(path, CsvFileError, f"cannot read CSV {path}")
"""

from __future__ import annotations

__all__: list[str] = []
