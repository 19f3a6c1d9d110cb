"""``python -m llm_guided_optuna.cli``: the ``llm-optuna`` command."""

import sys

from llm_guided_optuna.cli.main import main


if __name__ == "__main__":
    sys.exit(main())
