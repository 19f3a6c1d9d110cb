"""The pages: ``docs/benchmarks*.md``, their figures and the results JSON they are built from.

The top layer: it may import every other one. ``python -m benchmarks.report`` runs
:mod:`benchmarks.report.report`.
"""
