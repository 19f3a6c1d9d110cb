"""Offline benchmark suite for ``LLMGuidedSampler`` (not part of the installed library).

Importing this package pins the maths libraries to one thread: one MLP evaluation went
from 3.5 s to 26 s when the BLAS library used both cores of the benchmark machine, and
several samplers running side by side would otherwise fight for the same cores.

The package is four layers whose imports run one way (``tests/test_import_cycles.py`` checks):

- :mod:`benchmarks.tasks`: the tasks (Bayesmark-lite, the neural-network suite, BBOB) and their
  random-search reference values;
- :mod:`benchmarks.core`: samplers by name, one run and its record, the suite of runs, the
  archive, the metrics, the advisors of known skill;
- :mod:`benchmarks.experiments`: the experiments built on runs (warm-start probe, knowledge,
  advisors, overhead, multi-objective, storage, model speed, ...);
- :mod:`benchmarks.report`: the pages under ``docs/`` and the results JSON they come from.

:mod:`benchmarks._paths` names the folders. The modules at the top, ``benchmarks/<name>.py``,
are the commands (``python -m benchmarks.<name>``) and may import any layer.
"""

from __future__ import annotations

import os


for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
# LiteLLM otherwise fetches its cost map from the network when it is imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
