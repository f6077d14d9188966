"""Benchmarks of the local ASL engine against moto's Step Functions executor.

Run from the repository root: ``python -m bench`` (``--help`` for options). Not part of the
test suite; timings are printed, never asserted.
"""
