"""Optuna's own sampler test cases (``optuna.testing.pytest_samplers``), against every strategy.

Every strategy runs ``BasicSamplerTestCase``, ``RelativeSamplerTestCase`` and
``MultiObjectiveSamplerTestCase`` with its LLM served by a local OpenAI-compatible server that
answers random valid configurations for the schema it is sent (so the cases take minutes, not
hours). The default strategy also runs the cases that optimise a study on the real embedded
model (SmolLM2-135M over HTTP), once.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any
import warnings

import optuna
from optuna.samplers import BaseSampler
from optuna.testing.pytest_samplers import BasicSamplerTestCase
from optuna.testing.pytest_samplers import MultiObjectiveSamplerTestCase
from optuna.testing.pytest_samplers import RelativeSamplerTestCase
import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna._sampler.strategies import STRATEGIES
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def responder_url() -> Iterator[str]:
    with FaultServer(responder=RandomConfigurationResponder(seed=0)) as server:
        yield server.base_url


def make_factory(
    strategy: str, api_base: str | None = None, **kwargs: Any
) -> Callable[[], BaseSampler]:
    def factory() -> BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return LLMGuidedSampler(
                seed=0,
                strategy=strategy,
                llm=LLMSettings(api_base=api_base, timeout=30),
                **kwargs,
            )

    return factory


class TestEveryStrategy(
    BasicSamplerTestCase, RelativeSamplerTestCase, MultiObjectiveSamplerTestCase
):
    @pytest.fixture(params=STRATEGIES)
    def sampler(
        self, request: pytest.FixtureRequest, responder_url: str
    ) -> Callable[[], BaseSampler]:
        return make_factory(
            request.param, model="openai/random-configurations", api_base=responder_url
        )


class TestPriorDrawnInitialDesign(BasicSamplerTestCase, RelativeSamplerTestCase):
    """The prior strategy whose start-up trials are drawn from the LLM's prior."""

    @pytest.fixture
    def sampler(self, responder_url: str) -> Callable[[], BaseSampler]:
        pytest.importorskip("torch")
        from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler

        def factory() -> BaseSampler:
            optimizer = PriorWeightedGPSampler(seed=0, n_startup_trials=5, initial_design="prior")
            return make_factory(
                "prior",
                model="openai/random-configurations",
                api_base=responder_url,
                optimizer=optimizer,
            )()

        return factory


@pytest.mark.llm
class TestDefaultStrategyOnTheEmbeddedModel(BasicSamplerTestCase):
    """The cases that optimise a study, on the real model; the cases that only draw values
    from one distribution (they never reach the LLM) run above."""

    test_float = None  # type: ignore[assignment]
    test_int = None  # type: ignore[assignment]
    test_categorical = None  # type: ignore[assignment]
    test_conditional_sample_independent = None  # type: ignore[assignment]
    test_single_parameter_objective = None  # type: ignore[assignment]
    test_combination_of_different_distributions_objective = None  # type: ignore[assignment]

    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return make_factory("prior", model="embedded/smollm2-135m")
