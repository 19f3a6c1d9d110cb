"""What ``llm-optuna models`` prints: each embedded model, installed or not, and install progress.

Example:
    >>> from llm_guided_optuna.embedded.registry import EMBEDDED_MODELS
    >>> print(format_model_table(EMBEDDED_MODELS.values()))  # doctest: +SKIP
    model               size      installed  default  file
    qwen2.5-coder-1.5b  1,117 MB  yes        yes      /home/me/.cache/llm-guided-optuna/...
"""

from __future__ import annotations

from collections.abc import Iterable
import time
from typing import TextIO

from llm_guided_optuna.embedded.registry import EmbeddedModelSpec
from llm_guided_optuna.embedded.store import installed_model_file
from llm_guided_optuna.embedded.store import models_dir
from llm_guided_optuna.exceptions import EmbeddedModelUnavailableError


def _default_name() -> str | None:
    from llm_guided_optuna.embedded.selection import default_embedded_model

    try:
        return default_embedded_model().name
    except (EmbeddedModelUnavailableError, ValueError):
        return None


def format_model_table(specs: Iterable[EmbeddedModelSpec]) -> str:
    """A table of the models: size, whether installed, which is the default, where the file is,
    licence and what each is for; then the models folder and how to install."""
    default = _default_name()
    rows = [("model", "size", "installed", "default", "threads", "file")]
    details = []
    for spec in specs:
        path = installed_model_file(spec)
        rows.append(
            (
                spec.name,
                f"{spec.size_bytes / 1e6:,.0f} MB",
                "yes" if path is not None else "no",
                "yes" if spec.name == default else "",
                f"<= {spec.best_threads}",
                str(path) if path is not None else f"(install: {spec.install_command})",
            )
        )
        details.append(
            f"  {spec.name}: {spec.title}; {spec.chat_template} template; "
            f"licence: {spec.license}; {spec.summary}"
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
        for row in rows
    ]
    lines += [
        "",
        *details,
        "",
        f"models folder: {models_dir()} (set LLM_GUIDED_OPTUNA_MODELS to move it)",
    ]
    if default is None:
        lines.append("no model installed: model=None needs one (llm-optuna models install NAME)")
    else:
        lines.append(
            f"model=None uses embedded/{default} (set LLM_GUIDED_OPTUNA_MODEL to choose another)"
        )
    return "\n".join(lines)


class InstallProgress:
    """Prints the assembly of a model file: a line that updates in place on a terminal, a line
    every 10 % otherwise."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self.name = name
        self.stream = stream
        self._interactive = stream.isatty()
        self._last_tenth = -1
        self._last_update = 0.0
        self._started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        text = f"{stage} {self.name}: {done / 1e6:,.0f} / {total / 1e6:,.0f} MB ({fraction:.0%})"
        now = time.perf_counter()
        if self._interactive:
            if now - self._last_update >= 0.2 or done >= total:
                self._last_update = now
                end = "\n" if done >= total else ""
                self.stream.write("\r" + text + end)
                self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth > self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(f"{text}, {now - self._started:.0f} s\n")
            self.stream.flush()
