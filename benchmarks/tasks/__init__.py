"""The benchmark tasks: what is optimised, and the reference values that normalise regret.

The lowest layer of the benchmarks: it imports nothing of :mod:`benchmarks` but
:mod:`benchmarks._paths`. :mod:`~benchmarks.tasks.task_types` holds the types,
:mod:`~benchmarks.tasks.bayesmark`, :mod:`~benchmarks.tasks.nn` and :mod:`~benchmarks.tasks.bbob`
the three suites, :mod:`~benchmarks.tasks.registry` finds a task by name and
:mod:`~benchmarks.tasks.reference` computes and reads the random-search reference values.
"""
