#!/usr/bin/env bash
# Set up (if needed) and run the demo on the embedded model: python examples/basic_usage.py, which tunes
# an SVC on scikit-learn's digits. Extra arguments go to it, e.g. `bash scripts/demo.sh --compare`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${PYTHON:-python3}" examples/basic_usage.py "$@"
