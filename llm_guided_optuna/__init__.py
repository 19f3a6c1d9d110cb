"""llm-guided-optuna: an Optuna sampler that asks a Large Language Model for configurations.

Example:
    >>> import optuna
    >>> from llm_guided_optuna import LLMGuidedSampler
    >>> study = optuna.create_study(sampler=LLMGuidedSampler(seed=0))  # doctest: +SKIP
    >>> from llm_guided_optuna import LLMSettings, Trust
    >>> sampler = LLMGuidedSampler(
    ...     "openai/my-model",
    ...     llm=LLMSettings(api_base="http://127.0.0.1:8000/v1"),
    ...     strategy=Trust(max_llm_trials=5),
    ... )  # doctest: +SKIP
    >>> from llm_guided_optuna import PriorWeightedGPSampler  # the default strategy's optimizer
"""

from llm_guided_optuna._llm.settings import LLMSettings
from llm_guided_optuna._logging import show_llm_progress
from llm_guided_optuna._prior.options import PriorOptions
from llm_guided_optuna._prior.sampler import PriorWeightedGPSampler
from llm_guided_optuna._prompt.request import WarmStartPrompt
from llm_guided_optuna._proposal.validator import ParameterValidator
from llm_guided_optuna._sampler.handover import HandoverSampler
from llm_guided_optuna._sampler.sampler import LLMGuidedSampler
from llm_guided_optuna._sampler.strategies import Hybrid
from llm_guided_optuna._sampler.strategies import Prior
from llm_guided_optuna._sampler.strategies import PureLLM
from llm_guided_optuna._sampler.strategies import Trust
from llm_guided_optuna._sampler.study_statistics import study_statistics
from llm_guided_optuna.embedded import EMBEDDED_MODELS
from llm_guided_optuna.embedded import EmbeddedModelServer
from llm_guided_optuna.embedded import get_embedded_server
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError
from llm_guided_optuna.exceptions import LLMCallError
from llm_guided_optuna.exceptions import LLMGuidedOptunaError
from llm_guided_optuna.exceptions import LLMProposalError
from llm_guided_optuna.exceptions import LLMSamplerWarning


__version__ = "0.1.0"

__all__ = [
    "EMBEDDED_MODELS",
    "EmbeddedModelServer",
    "EmbeddedModelUnavailableError",
    "HandoverSampler",
    "Hybrid",
    "LLMCallError",
    "LLMGuidedOptunaError",
    "LLMGuidedSampler",
    "LLMProposalError",
    "LLMSamplerWarning",
    "LLMSettings",
    "ParameterValidator",
    "Prior",
    "PriorOptions",
    "PriorWeightedGPSampler",
    "PureLLM",
    "Trust",
    "WarmStartPrompt",
    "get_embedded_server",
    "show_llm_progress",
    "study_statistics",
    "__version__",
]
