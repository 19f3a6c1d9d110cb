"""Peer samplers: what a user would pick instead of the LLM-guided sampler (issue 47).

Each peer runs through the same task interface, seeds and regret as every other benchmark row
(:func:`benchmarks.core.runner.run_one`), as an Optuna sampler:

* ``smac3``: SMAC3's hyperparameter-optimisation facade (random forest + local search), driven
  through its own ask/tell loop: each Optuna trial is one ``smac.ask()`` and its result one
  ``smac.tell()`` (:class:`SMACAskTellSampler`). Needs ``pip install smac`` (the ``peers``
  extra).
* ``autosampler``: OptunaHub's ``samplers/auto_sampler`` (GP for numeric spaces, TPE once a
  categorical parameter appears).
* ``llambo``: OptunaHub's ``samplers/llambo``, whose OpenAI client is pointed at an
  OpenAI-compatible server (``llm-optuna serve`` and the embedded model, at
  :data:`LLAMBO_SERVER_ENV`) through ``OPENAI_BASE_URL``; its calls and tokens are counted by
  :class:`UsageCountingProxy` on the way.

The OptunaHub packages are loaded with ``optunahub.load_local_module`` from a local checkout of
the registry (https://github.com/optuna/optunahub-registry), never from the network and never
committed here: :data:`REGISTRY_ENV` names the checkout's root (the folder holding
``package/``). HEBO is not a peer: its latest release (0.3.6) requires ``numpy<1.25``, which
this project's numpy 2 excludes (see ``docs/benchmarks_peers.md``).

Example:
    >>> sorted(PEER_SAMPLERS)
    ['autosampler', 'llambo', 'smac3']
    >>> is_peer_sampler("smac3"), is_peer_sampler("llm-trust")
    (True, False)
"""

from __future__ import annotations

import importlib
import math
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any
from typing import Sequence

import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.trial import FrozenTrial
from optuna.trial import TrialState


#: The environment variable naming the root of a local checkout of the OptunaHub registry.
REGISTRY_ENV = "OPTUNAHUB_REGISTRY"
#: Peer name -> the OptunaHub package it loads (``None``: a PyPI library).
PEER_SAMPLERS: dict[str, str | None] = {
    "smac3": None,
    "autosampler": "samplers/auto_sampler",
    "llambo": "samplers/llambo",
}
#: The ``llm-optuna serve`` base URL (ending in ``/v1``) LLAMBO's requests go to.
LLAMBO_SERVER_ENV = "LLAMBO_SERVER_URL"
#: The embedded model that server runs (e.g. ``qwen2.5-coder-1.5b``), recorded on every run.
LLAMBO_MODEL_ENV = "LLAMBO_MODEL"
#: The run record's model is ``embedded/<LLAMBO_MODEL>``, as the LLM rows name theirs.
LLAMBO_MODEL_PREFIX = "embedded/"
#: LLAMBO's random start-up trials (its default; the LLAMBO paper also starts with 5).
LLAMBO_INITIAL_SAMPLES = 5
#: SMAC3's budget hint: it sizes the initial design (a quarter of the budget at most).
SMAC_N_TRIALS = 30


def is_peer_sampler(name: str) -> bool:
    """Whether ``name`` is one of :data:`PEER_SAMPLERS`."""
    return name in PEER_SAMPLERS


def registry_root() -> Path:
    """The local OptunaHub registry checkout named by :data:`REGISTRY_ENV`.

    Raises:
        RuntimeError: The variable is unset or names no registry checkout.
    """
    value = os.environ.get(REGISTRY_ENV, "")
    root = Path(value)
    if not value or not (root / "package").is_dir():
        raise RuntimeError(
            f"set {REGISTRY_ENV} to a local checkout of https://github.com/optuna/"
            "optunahub-registry (the folder holding package/); see docs/benchmarks_peers.md"
            + (f" ({value!r} has no package/ folder)" if value else "")
        )
    return root


def registry_commit(root: Path | None = None) -> str | None:
    """The commit the registry checkout is at (``None`` if it is not a git checkout)."""
    root = root or registry_root()
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip() or None


def load_registry_package(package: str) -> Any:
    """The OptunaHub ``package`` (e.g. ``samplers/auto_sampler``) from the local checkout."""
    import optunahub

    return optunahub.load_local_module(
        package=package, registry_root=str(registry_root() / "package")
    )


def build_peer_sampler(
    name: str,
    seed: int,
    space: dict[str, BaseDistribution],
    direction: str,
    problem_description: str = "",
) -> optuna.samplers.BaseSampler:
    """The peer sampler ``name`` seeded with ``seed`` for a task of ``space`` and ``direction``.

    Raises:
        ValueError: ``name`` is no peer.
        RuntimeError: A peer's library or registry checkout is missing (the message says which).
    """
    if name == "smac3":
        return SMACAskTellSampler(space, seed=seed, direction=direction)
    if name == "autosampler":
        package = PEER_SAMPLERS[name] or ""
        return RegistryPeer(load_registry_package(package).AutoSampler(seed=seed), package)
    if name == "llambo":
        return build_llambo(seed, space, problem_description)
    raise ValueError(f"unknown peer {name!r}; known: {', '.join(PEER_SAMPLERS)}")


class SMACAskTellSampler(optuna.samplers.BaseSampler):
    """SMAC3's hyperparameter-optimisation facade driven by Optuna's trials through ask/tell.

    Every trial's parameters are one ``ask()`` of SMAC's own loop, and its result the matching
    ``tell()`` (SMAC minimises a cost: ``-value`` when maximising; a failed trial is told as
    crashed). The search space is fixed at construction, as SMAC needs it. ``get_statistics``
    reports the seconds spent in ``ask`` and ``tell``.

    Example:
        >>> from optuna.distributions import FloatDistribution
        >>> sampler = SMACAskTellSampler({"x": FloatDistribution(-1.0, 1.0)}, seed=0)
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> study = optuna.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1.0, 1.0) ** 2, n_trials=3)
        >>> len(study.trials), sampler.get_statistics()["sampler_stats"]["asks"]
        (3, 3)
    """

    def __init__(
        self,
        space: dict[str, BaseDistribution],
        *,
        seed: int,
        direction: str = "minimize",
        n_trials: int = SMAC_N_TRIALS,
    ) -> None:
        try:
            from ConfigSpace import Categorical
            from ConfigSpace import ConfigurationSpace
            from ConfigSpace import Float
            from ConfigSpace import Integer
            from smac import HyperparameterOptimizationFacade
            from smac import Scenario
        except ImportError as error:
            raise RuntimeError(
                f"the smac3 peer needs SMAC3: pip install smac (the peers extra) ({error})"
            ) from None
        self._space = dict(space)
        self._sign = -1.0 if direction == "maximize" else 1.0
        configspace = ConfigurationSpace(seed=seed)
        for param, distribution in self._space.items():
            if isinstance(distribution, CategoricalDistribution):
                configspace.add(Categorical(param, [str(c) for c in distribution.choices]))
            elif isinstance(distribution, IntDistribution):
                configspace.add(
                    Integer(param, (distribution.low, distribution.high), log=distribution.log)
                )
            elif isinstance(distribution, FloatDistribution):
                configspace.add(
                    Float(param, (distribution.low, distribution.high), log=distribution.log)
                )
            else:
                raise TypeError(f"unsupported distribution for {param!r}: {distribution!r}")
        self._output = tempfile.mkdtemp(prefix="smac3-peer-")
        scenario = Scenario(
            configspace,
            deterministic=True,
            n_trials=n_trials,
            seed=seed,
            output_directory=Path(self._output),
        )
        self._smac = HyperparameterOptimizationFacade(
            scenario,
            target_function=_never_called,
            overwrite=True,
            logging_level=40,
        )
        self._pending: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._stats = {"asks": 0, "ask_seconds": 0.0, "tells": 0, "tell_seconds": 0.0}
        self._versions = {
            package: _version(package) for package in ("smac", "ConfigSpace", "scikit-learn")
        }

    def __del__(self) -> None:
        shutil.rmtree(getattr(self, "_output", ""), ignore_errors=True)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._space)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        start = time.perf_counter()
        with self._lock:
            info = self._smac.ask()
            self._pending[trial.number] = info
        self._stats["asks"] += 1
        self._stats["ask_seconds"] += time.perf_counter() - start
        configuration = dict(info.config)
        params: dict[str, Any] = {}
        for param, distribution in search_space.items():
            value = configuration[param]
            if isinstance(distribution, CategoricalDistribution):
                params[param] = next(c for c in distribution.choices if str(c) == value)
            elif isinstance(distribution, IntDistribution):
                params[param] = int(value)
            else:
                params[param] = float(value)
        return params

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        raise ValueError(
            f"parameter {param_name!r} is outside the search space SMAC3 was built with"
        )

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        from smac.runhistory.dataclasses import TrialValue
        from smac.runhistory.enumerations import StatusType

        info = self._pending.pop(trial.number, None)
        if info is None:
            return
        start = time.perf_counter()
        value = values[0] if values else None
        if state == TrialState.COMPLETE and value is not None and math.isfinite(value):
            outcome = TrialValue(cost=self._sign * float(value))
        else:
            outcome = TrialValue(cost=math.inf, status=StatusType.CRASHED)
        with self._lock:
            self._smac.tell(info, outcome, save=False)
        self._stats["tells"] += 1
        self._stats["tell_seconds"] += time.perf_counter() - start

    def get_statistics(self) -> dict[str, Any]:
        """Counters of SMAC3's own work (asks, tells and their seconds) and its versions."""
        return {"sampler_stats": dict(self._stats), "versions": dict(self._versions)}


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _never_called(config: Any, seed: int = 0) -> float:
    """SMAC's facade needs a target function; the ask/tell loop never calls it."""
    raise RuntimeError("the benchmark evaluates SMAC3's configurations through Optuna")


class UsageCountingProxy:
    """A loopback HTTP proxy in front of an OpenAI-compatible server that counts what passes.

    LLAMBO sends each request from a child process (its time limit kills and retries a call), so
    the calls are counted where they all pass: here, in the benchmark's process. Each
    ``/chat/completions`` adds a call, its seconds, and the server's ``usage`` tokens; one the
    server refuses or that fails on the way adds to ``failed_calls``; one whose caller went away
    (LLAMBO's time limit) is cut off upstream too, as a direct connection would be, so that
    llama.cpp stops generating it, and adds to ``cancelled_calls``.

    Example:
        >>> proxy = UsageCountingProxy("http://127.0.0.1:9/v1")
        >>> proxy.base_url.startswith("http://127.0.0.1:"), proxy.stats["llm_calls"]
        (True, 0)
        >>> proxy.close()
    """

    def __init__(self, target_base_url: str) -> None:
        import http.client
        import http.server
        import json
        import select
        import socket
        import urllib.parse

        target = urllib.parse.urlsplit(target_base_url.rstrip("/"))
        self.stats: dict[str, float] = {
            "llm_calls": 0,
            "llm_seconds": 0.0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "failed_calls": 0,
            "cancelled_calls": 0,
        }
        lock = self._counted = threading.Condition()
        stats = self.stats

        def caller_gone(connection: socket.socket) -> bool:
            try:
                readable, _, _ = select.select([connection], [], [], 0)
                return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                prefix = "/v1"
                path = self.path[len(prefix) :] if self.path.startswith(prefix) else self.path
                headers = {
                    key: value
                    for key, value in self.headers.items()
                    if key.lower() in ("content-type", "authorization", "accept")
                }
                upstream = http.client.HTTPConnection(
                    target.hostname or "127.0.0.1", target.port, timeout=3600
                )
                answer: dict[str, Any] = {}

                def call() -> None:
                    try:
                        upstream.request(method, target.path + path, body=body, headers=headers)
                        response = upstream.getresponse()
                        answer["status"], answer["payload"] = response.status, response.read()
                    except (OSError, http.client.HTTPException) as error:
                        answer["error"] = str(error)

                start = time.perf_counter()
                worker = threading.Thread(target=call, daemon=True)
                worker.start()
                cancelled = False
                while worker.is_alive():
                    worker.join(0.25)
                    if worker.is_alive() and caller_gone(self.connection):
                        cancelled = True
                        if upstream.sock is not None:
                            upstream.sock.shutdown(socket.SHUT_RDWR)
                        worker.join()
                upstream.close()
                seconds = time.perf_counter() - start
                status = int(answer.get("status", 502))
                payload = (
                    answer.get("payload")
                    or json.dumps(
                        {"error": {"message": answer.get("error", "no answer")}}
                    ).encode()
                )
                if path.endswith("/chat/completions"):
                    usage: dict[str, Any] = {}
                    if status == 200:
                        try:
                            usage = json.loads(payload).get("usage") or {}
                        except (ValueError, AttributeError):
                            usage = {}
                    with lock:
                        stats["llm_calls"] += 1
                        stats["llm_seconds"] += seconds
                        stats["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
                        stats["completion_tokens"] += int(usage.get("completion_tokens") or 0)
                        if cancelled:
                            stats["cancelled_calls"] += 1
                        elif status != 200:
                            stats["failed_calls"] += 1
                        lock.notify_all()
                if cancelled:
                    return
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            def do_POST(self) -> None:
                self._forward("POST")

            def do_GET(self) -> None:
                self._forward("GET")

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Wait until ``predicate(stats)`` holds after a counted call (``False`` on timeout)."""
        with self._counted:
            return self._counted.wait_for(lambda: predicate(self.stats), timeout)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class RegistryPeer(optuna.samplers.BaseSampler):
    """An OptunaHub sampler with the registry commit it came from, its wall seconds per trial
    and, for LLAMBO, its LLM usage, reported through ``get_statistics`` (the run records keep
    them). LLAMBO gathers its calls with asyncio; should they overlap, their summed seconds
    would exceed the wall time (in the runs measured they ran one after another).

    Every sampler call is delegated unchanged; only the statistics are added.
    """

    def __init__(
        self,
        sampler: optuna.samplers.BaseSampler,
        package: str,
        proxy: UsageCountingProxy | None = None,
    ) -> None:
        self._sampler = sampler
        self._package = package
        self._commit = registry_commit()
        self._proxy = proxy
        self._at_start = dict(proxy.stats) if proxy is not None else {}
        self._seconds: dict[str, float] = {}
        self.model_name = (
            LLAMBO_MODEL_PREFIX + os.environ.get(LLAMBO_MODEL_ENV, "") if proxy else None
        )

    def reseed_rng(self) -> None:
        self._sampler.reseed_rng()

    def _timed(self, trial: FrozenTrial, call: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args)
        finally:
            key = str(trial.number)
            self._seconds[key] = self._seconds.get(key, 0.0) + time.perf_counter() - start

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._timed(trial, self._sampler.infer_relative_search_space, study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._timed(trial, self._sampler.sample_relative, study, trial, search_space)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._timed(
            trial,
            self._sampler.sample_independent,
            study,
            trial,
            param_name,
            param_distribution,
        )

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._timed(trial, self._sampler.before_trial, study, trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._timed(trial, self._sampler.after_trial, study, trial, state, values)
        if self._proxy is not None:  # progress of a slow LLM sampler, for whoever watches
            stats = self.get_statistics()["sampler_stats"]
            sys.stderr.write(
                f"llambo trial {trial.number} done at {time.strftime('%H:%M:%S')}: "
                + ", ".join(f"{key} {value:.0f}" for key, value in stats.items())
                + "\n"
            )
            sys.stderr.flush()

    def get_statistics(self) -> dict[str, Any]:
        """The registry package and commit; for LLAMBO its calls, seconds and tokens since it was
        built, as counted by the proxy."""
        statistics: dict[str, Any] = {
            "registry_package": self._package,
            "registry_commit": self._commit,
            # Wall seconds inside the sampler per trial number, LLM calls included.
            "seconds_by_trial": dict(self._seconds),
        }
        if self._proxy is not None:
            statistics["sampler_stats"] = {
                key: value - self._at_start[key] for key, value in self._proxy.stats.items()
            }
            statistics["model"] = self.model_name
        return statistics


_usage_proxy: UsageCountingProxy | None = None


def build_llambo(
    seed: int, space: dict[str, BaseDistribution], problem_description: str
) -> optuna.samplers.BaseSampler:
    """OptunaHub's LLAMBO on the OpenAI-compatible server at ``OPENAI_BASE_URL``.

    Raises:
        RuntimeError: ``OPENAI_BASE_URL`` or :data:`LLAMBO_MODEL_ENV` is unset.
    """
    global _usage_proxy
    for variable in (LLAMBO_SERVER_ENV, LLAMBO_MODEL_ENV):
        if not os.environ.get(variable):
            raise RuntimeError(
                f"set {variable} for the llambo peer ({LLAMBO_SERVER_ENV}: the llm-optuna serve "
                f"URL ending in /v1; {LLAMBO_MODEL_ENV}: the embedded model it serves)"
            )
    module = load_registry_package("samplers/llambo")
    # LLAMBO prices each answer with tiktoken's cl100k_base (downloaded at first use) and an
    # OpenAI price table; offline and on a local model that fails every call, so its dollar
    # estimate is set to zero. Nothing else of LLAMBO is changed.
    llm = importlib.import_module(module.__name__ + ".llambo.llm")
    llm.Calculator.calculate_cost_GPT = _no_dollar_cost
    if _usage_proxy is None:
        _usage_proxy = UsageCountingProxy(os.environ[LLAMBO_SERVER_ENV])
    # Its OpenAI clients (made in LLAMBO's child processes too) read the proxy's address here.
    os.environ["OPENAI_BASE_URL"] = _usage_proxy.base_url
    sampler = module.LLAMBOSampler(
        custom_task_description=problem_description or None,
        n_initial_samples=LLAMBO_INITIAL_SAMPLES,
        api_key=os.environ.get("OPENAI_API_KEY", "sk-none"),
        model=served_model(os.environ[LLAMBO_SERVER_ENV]),
        search_space=dict(space),
        seed=seed,
    )
    return RegistryPeer(sampler, PEER_SAMPLERS["llambo"] or "", _usage_proxy)


def served_model(base_url: str) -> str:
    """The model name an OpenAI-compatible server answers to (the first of ``GET /models``)."""
    import json
    import urllib.request

    with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=60) as response:
        return str(json.loads(response.read())["data"][0]["id"])


def _no_dollar_cost(self: Any) -> float:
    """LLAMBO's dollar estimate for a local model: none."""
    return 0.0
