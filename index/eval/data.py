"""Reading evaluation files: one JSON object per line (questions, articles, feedback sets)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-blank line of ``path`` as a dict; a missing file or a bad line is one clear error."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {n}, is not JSON ({exc.msg}).") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}, line {n}, is not a JSON object.")
            rows.append(row)
    return rows
