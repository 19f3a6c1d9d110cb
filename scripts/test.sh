#!/usr/bin/env bash
# Set up (if needed) and run the test suite: python -m pytest tests/ -v
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not llm"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev --bench
exec "${PYTHON:-python3}" -m pytest tests/ -v "$@"
