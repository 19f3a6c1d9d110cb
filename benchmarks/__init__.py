"""Offline benchmark suite for ``LLMGuidedSampler`` (not part of the installed library).

Importing this package pins the maths libraries to one thread: one MLP evaluation went
from 3.5 s to 26 s when the BLAS library used both cores of the benchmark machine, and
several samplers running side by side would otherwise fight for the same cores.
"""

from __future__ import annotations

import os


for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
# LiteLLM otherwise fetches its cost map from the network when it is imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
