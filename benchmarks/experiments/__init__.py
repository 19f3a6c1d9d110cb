"""The experiments built on the runs: the warm-start probe, domain knowledge, advisors, costs.

The third layer: it imports :mod:`benchmarks.tasks` and :mod:`benchmarks.core`, never
:mod:`benchmarks.report`. Each module is one experiment with its own command
(``python -m benchmarks.<name>``) and its own file under ``benchmarks/results``.
"""
