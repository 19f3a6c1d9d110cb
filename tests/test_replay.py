"""Record and replay: a study rerun with the same cache_dir and seed, the second time against
a dead api_base, gets identical parameters and a 100 % replay hit."""

from __future__ import annotations

import socket

import optuna

from llm_guided_optuna import LLMGuidedSampler
from llm_guided_optuna import LLMSettings
from llm_guided_optuna._llm.replay import ExchangeCache
from tests.support.fault_server import FaultServer
from tests.support.schema_responder import RandomConfigurationResponder


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    units = trial.suggest_int("units", 16, 256, step=16)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    return abs(lr - 1e-3) * 100 + abs(units - 64) / 64 + (act == "tanh")


def dead_api_base() -> str:
    with socket.socket() as sock:  # A port that was free a moment ago: nothing listens there.
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def run_study(
    api_base: str, cache_dir, n_trials: int = 10
) -> tuple[optuna.Study, LLMGuidedSampler]:
    sampler = LLMGuidedSampler(
        model="openai/replayed",
        seed=7,
        strategy="llm",
        cache_dir=cache_dir,
        llm=LLMSettings(api_base=api_base, api_key="sk-test", timeout=2, max_retries=0),
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return study, sampler


def test_replay_against_a_dead_server_gives_identical_parameters(tmp_path) -> None:
    with FaultServer(responder=RandomConfigurationResponder(seed=11)) as server:
        recorded, first = run_study(server.base_url, tmp_path)
        calls = server.request_count
    assert calls >= 3
    assert first.get_statistics()["sampler_stats"]["replay_misses"] == calls
    assert len(list(tmp_path.glob("*.json"))) == calls

    replayed, second = run_study(dead_api_base(), tmp_path)
    assert [t.params for t in replayed.trials] == [t.params for t in recorded.trials]
    stats = second.get_statistics()["sampler_stats"]
    assert stats["replay_hits"] == calls and stats["replay_misses"] == 0
    assert stats["llm_calls"] == 0 and not stats["failures"]
    sources = [t.user_attrs["llm_source"] for t in replayed.trials]
    assert sources == [t.user_attrs["llm_source"] for t in recorded.trials]
    assert all(
        t.user_attrs["llm_call"]["replayed"]
        for t in replayed.trials
        if t.user_attrs["llm_source"] == "llm"
    )


def test_a_changed_study_misses_the_cache_and_records_the_new_exchange(tmp_path) -> None:
    with FaultServer(responder=RandomConfigurationResponder(seed=11)) as server:
        run_study(server.base_url, tmp_path, n_trials=4)
        before = len(list(tmp_path.glob("*.json")))
        _, sampler = run_study(server.base_url, tmp_path, n_trials=8)
    stats = sampler.get_statistics()["sampler_stats"]
    assert stats["replay_hits"] >= 1 and stats["replay_misses"] >= 1
    assert len(list(tmp_path.glob("*.json"))) == before + stats["replay_misses"]


def test_a_corrupt_record_is_a_miss(tmp_path) -> None:
    cache = ExchangeCache(tmp_path)
    key = cache.fingerprint("m", [{"role": "user", "content": "x"}], None, 0.3, 10)
    (tmp_path / f"{key}.json").write_text("{not json")
    assert cache.get(key) is None
