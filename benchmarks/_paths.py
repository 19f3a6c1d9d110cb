"""Where the benchmarks keep their files: cache, reference values, results, archive, docs.

A leaf module (it imports nothing of the benchmarks), so that every layer can name a folder
without importing a command-line module for a constant.
"""

from __future__ import annotations

from pathlib import Path


#: The ``benchmarks`` folder of the repository.
BENCHMARKS_DIR = Path(__file__).resolve().parent
#: The repository's root (``docs/`` and ``README.md`` live there).
REPO_ROOT = BENCHMARKS_DIR.parent
#: Where run records are cached (one folder per task); the archive restores into it.
DEFAULT_CACHE_DIR = BENCHMARKS_DIR / ".cache"
#: The random-search reference values, one JSON file per task.
DEFAULT_REFERENCE_DIR = BENCHMARKS_DIR / "reference"
#: The committed results (JSON, readings) of every benchmark.
RESULTS_DIR = BENCHMARKS_DIR / "results"
#: The archive of published runs and recorded LLM exchanges.
DEFAULT_ARCHIVE_DIR = RESULTS_DIR / "archive"
