"""The full fault matrix: every injected fault x every distribution kind, over real HTTP.

A study must complete, every parameter must be valid, the fault must be counted by kind (or
the repair made to the answer), retries must happen only where they can help, and the time a
fault costs must stay within the timeout settings. ``docs/reliability.md`` shows the figures
(``python -m tests.support.fault_matrix``).
"""

from __future__ import annotations

import pytest

from tests.support.fault_matrix import CellResult
from tests.support.fault_matrix import DISTRIBUTIONS
from tests.support.fault_matrix import FAULTED_TRIALS
from tests.support.fault_matrix import FAULTS
from tests.support.fault_matrix import MAX_RETRIES
from tests.support.fault_matrix import run_matrix
from tests.support.fault_matrix import TIMEOUT_S


NUMERIC = {"float", "float-log", "float-step", "int", "int-log", "int-step"}
#: Faults that change numbers or strings, and the distributions where they must be noticed.
VALUE_FAULTS_NOTICED = {
    "extra_params": set(DISTRIBUTIONS),
    "out_of_range": NUMERIC | {"cat-int", "cat-float"},
    "nan_inf": set(DISTRIBUTIONS),
    "numbers_as_strings": NUMERIC | {"cat-int", "cat-float"},
    "bad_categorical": {"cat-str"},
}


@pytest.fixture(scope="module")
def matrix() -> dict[tuple[str, str], CellResult]:
    return {(cell.fault, cell.distribution): cell for cell in run_matrix()}


CELLS = [(fault, name) for fault in FAULTS for name in DISTRIBUTIONS]


@pytest.mark.parametrize(("fault", "distribution"), CELLS)
def test_cell(matrix, fault: str, distribution: str) -> None:
    cell = matrix[(fault, distribution)]
    _, expected_kind, retryable = FAULTS[fault]
    assert cell.crash is None and cell.completed, cell.crash
    assert cell.invalid_params == 0
    # Counted by kind, and recorded on each trial.
    if expected_kind is not None:
        assert cell.failures == {expected_kind: FAULTED_TRIALS}
        assert cell.trial_reasons == [expected_kind] * FAULTED_TRIALS
    else:
        for reason in cell.trial_reasons:
            assert reason in {"llm", "missing_values"} or reason in cell.failures
        if distribution in VALUE_FAULTS_NOTICED[fault]:
            assert cell.failures or cell.repairs
    # Retries only where they can help.
    per_trial = MAX_RETRIES + 1 if retryable else 1
    assert cell.requests == FAULTED_TRIALS * per_trial
    # Time lost is bounded by the timeout settings (plus a second of slack per trial).
    assert cell.faulted_seconds <= FAULTED_TRIALS * (per_trial * TIMEOUT_S + 1.0)
