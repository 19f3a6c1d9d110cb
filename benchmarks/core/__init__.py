"""Running the benchmark: samplers by name, one run and its record, the archive, the metrics.

The second layer: it imports :mod:`benchmarks.tasks`, never :mod:`benchmarks.experiments` or
:mod:`benchmarks.report`. :mod:`~benchmarks.core.suite` runs every (task, sampler, seed)
repetition (``python -m benchmarks.run``).
"""
