"""The default timeout fits the model: short for a hosted one, growing with the answer's length
for the embedded models and servers at ``api_base``; a timeout the user gives is kept."""

from __future__ import annotations

import pytest

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna._llm.client import LLMClient
from llm_guided_optuna._llm.timeouts import HOSTED_TIMEOUT_S
from llm_guided_optuna._llm.timeouts import request_timeout
from llm_guided_optuna._prompt.response import answer_token_budget
from llm_guided_optuna.exceptions import LLMCallError
from tests.support.fault_server import FaultServer


MESSAGES = [{"role": "user", "content": "propose"}]


def test_hosted_models_keep_a_short_timeout_and_local_ones_scale_with_the_answer() -> None:
    warm_start = answer_token_budget(4, 1)  # one configuration of four parameters
    assert LLMClient("gpt-4o-mini").timeout_for(warm_start) == HOSTED_TIMEOUT_S == 30.0
    local = LLMClient("openai/local", api_base="http://127.0.0.1:8080/v1")
    assert (
        local.timeout_for(warm_start)
        == request_timeout(warm_start, self_hosted=True)
        == 60.0 + warm_start
    )
    assert local.timeout_for(4 * warm_start) > local.timeout_for(warm_start)  # four configurations
    assert local.timeout_for(None) > HOSTED_TIMEOUT_S
    assert (
        LLMClient("openai/local", api_base="http://127.0.0.1:8080/v1", timeout=7).timeout_for(
            10_000
        )
        == 7.0
    )


def test_the_sampler_passes_no_timeout_by_default_and_refuses_a_bad_one() -> None:
    sampler = LLMGuidedSampler(
        model="openai/local", llm=LLMSettings(api_base="http://127.0.0.1:9/v1")
    )
    assert sampler._llm_settings.timeout is None
    with pytest.raises(ValueError, match="timeout must be > 0.0"):
        LLMGuidedSampler(
            model="openai/local", llm=LLMSettings(api_base="http://127.0.0.1:9/v1", timeout=0)
        )


def test_a_slow_local_server_is_waited_for_by_default_but_not_past_a_given_timeout() -> None:
    with FaultServer() as server:
        server.set_fault("delay", seconds=2.0)
        patient = LLMClient(
            "openai/fault", api_base=server.base_url, api_key="sk-test", max_retries=0
        )
        assert (
            patient.complete(MESSAGES, max_tokens=64).content
            == '{"parameters": {}, "rationale": "ok"}'
        )
        hasty = LLMClient(
            "openai/fault", api_base=server.base_url, api_key="sk-test", timeout=0.5, max_retries=0
        )
        with pytest.raises(LLMCallError, match=r"within 0\.5 s") as failure:
            hasty.complete(MESSAGES, max_tokens=64)
        assert failure.value.kind == "timeout"
