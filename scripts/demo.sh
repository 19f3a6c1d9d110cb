#!/usr/bin/env bash
# Set up (if needed) and run the demo on the embedded model: python examples/basic_usage.py
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${PYTHON:-python3}" examples/basic_usage.py "$@"
