"""Test-support helpers for llm-guided-optuna.

* :mod:`tests.support.fault_server` -- an OpenAI-compatible HTTP server that
  injects faults (rate limits, malformed JSON, dropped connections, ...).
* :mod:`tests.support.postgres_cluster` -- a throw-away PostgreSQL cluster for
  tests of Optuna's ``RDBStorage``, plus a session-scoped ``postgres_url``
  pytest fixture.

Neither module is part of the installed library.
"""
