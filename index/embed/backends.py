"""Encoder backends for the sentence model: torch fp32 (the reference), ONNX Runtime, OpenVINO.

Why more than one: on a 2-core CPU without bf16 units the model's forward pass is most of an ingest and a
query's embedding is a third of an ``ask``. ONNX Runtime and OpenVINO run the same graph faster and start
without importing torch. Each backend gives the same normalised mean-pooled vectors as sentence-transformers
(tokenised the same way, truncated at the model's ``max_seq_length``), so search results agree with fp32
(``tests/index/embed/test_backends.py`` checks top-10 agreement). The graph is exported once per model and cached
(``graph_cache``); only that export needs torch.

A backend's ``identity`` names backend and precision; the store records it with the vectors so that a change of
backend asks for ``reindex`` instead of mixing vectors of two encoders (``index/embed/model.py``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

TORCH = "torch"
# name -> (precision, Python modules it needs). "auto" picks the first available of AUTO_ORDER.
BACKENDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "torch": ("fp32", ("torch", "sentence_transformers")),
    "onnx": ("fp32", ("onnxruntime", "tokenizers")),
    "openvino": ("fp32", ("openvino", "tokenizers")),
}
# Not offered: dynamic int8 (ONNX Runtime) is 1.6x fp32 here but moves rankings (top-10 agreement 0.89 on the
# NewsQA dev questions, bench/bench_encoders.py); ``GraphEncoder(quantised=True)`` keeps it measurable.
AUTO_ORDER = ("onnx", "openvino", "torch")
EXPORT_VERSION = "2"  # bump when the exported graph changes (pooling, opset, inputs)


class EncoderError(RuntimeError):
    """A backend cannot be used here (missing package, failed export or load)."""


# Texts per forward pass each backend is fastest with on 2 cores, unless NEWSDESK_BATCH_SIZE says otherwise
# (``bench/bench_batch.py``, idle machine, against the old 64 in the same run): ONNX Runtime at 4 embeds one
# article 1.75x and a backlog 1.50x as fast, torch at 8 1.27x and 1.33x. Small batches keep the activations in
# the cache and pad each paragraph only to its own neighbours in length. OpenVINO was not measured here.
BATCH = {"torch": 8, "onnx": 4, "openvino": 64}


class Encoder(Protocol):
    """What ``Embedder`` needs of a backend: normalised float32 vectors in the order of ``texts``, and the batch
    size it runs best at (``batch``)."""

    backend: str
    identity: str
    dimension: int
    batch: int

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray: ...


def available(backend: str) -> bool:
    """Whether the packages a backend needs are installed (found without importing them)."""
    return all(importlib.util.find_spec(m) is not None for m in BACKENDS[backend][1])


def identity(model_name: str, backend: str) -> str:
    """What the store records for vectors of ``model_name`` by ``backend``.

    torch fp32 keeps the bare model name: data dirs indexed before backends existed stay valid.
    """
    if backend == TORCH:
        return model_name
    return f"{model_name} [{backend} {BACKENDS[backend][0]}]"


def backend_of(stored_identity: str | None) -> str | None:
    """The backend named in a stored identity (``identity``'s inverse), or None when nothing is stored."""
    if stored_identity is None:
        return None
    for name in BACKENDS:
        if name != TORCH and stored_identity.endswith(f" [{name} {BACKENDS[name][0]}]"):
            return name
    return TORCH


def graph_cache() -> Path:
    """Where exported graphs are kept between processes (``NEWSDESK_ENCODER_CACHE`` overrides)."""
    env = os.environ.get("NEWSDESK_ENCODER_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsdesk" / "encoders"


class TorchEncoder:
    """sentence-transformers on torch, fp32: the reference every other backend is compared with."""

    def __init__(self, model_path: str, model_name: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu")
        self.backend = TORCH
        self.batch = BATCH[TORCH]
        self.identity = identity(model_name, TORCH)
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dimension = int(get_dim())

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vecs = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


def _max_seq_length(model_path: Path) -> int:
    """sentence-transformers' truncation length for this model (what its ``encode`` uses)."""
    cfg = model_path / "sentence_bert_config.json"
    if cfg.exists():
        return int(json.loads(cfg.read_text(encoding="utf-8")).get("max_seq_length") or 512)
    return 512


def _check_mean_pooling(model_path: Path) -> None:
    """The exported graph mean-pools and normalises; refuse models configured otherwise."""
    modules = model_path / "modules.json"
    pooling = model_path / "1_Pooling" / "config.json"
    if not modules.exists() or not pooling.exists():
        raise EncoderError(f"{model_path} is not a sentence-transformers model directory.")
    types = [m["type"].rsplit(".", 1)[-1] for m in json.loads(modules.read_text(encoding="utf-8"))]
    if types != ["Transformer", "Pooling", "Normalize"]:
        raise EncoderError(f"{model_path}: modules {types} are not Transformer, Pooling, Normalize.")
    if not json.loads(pooling.read_text(encoding="utf-8")).get("pooling_mode_mean_tokens"):
        raise EncoderError(f"{model_path}: only mean pooling is exported.")


class GraphEncoder:
    """A model exported to ONNX (pooling and normalisation inside the graph), run by ONNX Runtime or OpenVINO.

    Texts are tokenised with the model's own fast tokenizer (``tokenizer.json``), padded per batch to the longest
    text and truncated at ``max_seq_length`` exactly as sentence-transformers does; batches are formed from texts
    sorted by length so little is spent on padding.
    """

    def __init__(
        self,
        model_path: str,
        model_name: str,
        backend: str,
        threads: int | None = None,
        quantised: bool = False,
    ):
        from tokenizers import Tokenizer

        path = Path(model_path)
        _check_mean_pooling(path)
        self.backend, self.identity = backend, identity(model_name, backend)
        self.batch = BATCH[backend]
        if quantised:  # never stored: only benchmarks build it
            self.identity = f"{model_name} [{backend} int8]"
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_seq_length(path))
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest of each batch
        self.threads = threads or os.cpu_count() or 1
        graph = exported_graph(path, quantised=quantised)
        self._run = _openvino_runner(graph, self.threads) if backend == "openvino" else self._ort(graph)
        self.dimension = int(self.encode(["dimension"], 1).shape[1])

    def _ort(self, graph: Path):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # No busy-waiting worker threads: on 2 shared cores they would burn the CPU FAISS and the bot need.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(graph), opts, providers=["CPUExecutionProvider"])

        def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            return session.run(["sentence_embedding"], feed)[0]

        return run

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: np.ndarray | None = None
        for i in range(0, len(texts), max(1, batch_size)):
            rows = order[i : i + batch_size]
            enc = self.tokenizer.encode_batch([texts[j] for j in rows])
            ids = np.asarray([e.ids for e in enc], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
            types = np.asarray([e.type_ids for e in enc], dtype=np.int64)
            vecs = np.asarray(self._run(ids, mask, types), dtype=np.float32)
            if out is None:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[rows] = vecs
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)


def _openvino_runner(graph: Path, threads: int):
    """OpenVINO reads the ONNX graph directly; fp32 asked for explicitly so no CPU silently runs it in bf16."""
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(
        core.read_model(str(graph)),
        "CPU",
        {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads},
    )
    request = compiled.create_infer_request()

    def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        result = request.infer({"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return next(iter(result.values()))

    return run


def _cache_key(model_path: Path, quantised: bool) -> str:
    weights = sorted(model_path.glob("*.safetensors")) or sorted(model_path.glob("*.bin"))
    parts = [str(model_path.resolve()), EXPORT_VERSION, "int8" if quantised else "fp32"]
    for w in weights:
        st = w.stat()
        parts.append(f"{w.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def exported_graph(model_path: Path, quantised: bool = False) -> Path:
    """The model's ONNX graph (dynamically int8-quantised when asked), exported on first use and cached."""
    target = graph_cache() / _cache_key(model_path, quantised) / "model.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    source = exported_graph(model_path, quantised=False) if quantised else None
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        staged = Path(tmp) / "model.onnx"
        if source is not None:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # per-channel 7-bit weights: without VNNI (AVX2 only) full-range int8 products saturate (cos ~0.93)
            quantize_dynamic(
                str(source), str(staged), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
            )
        else:
            _export(model_path, staged)
        os.replace(staged, target)  # atomic: a racing process finds a whole graph or none
    log.info("exported %s%s to %s", model_path.name, " (int8)" if quantised else "", target)
    return target


def _export(model_path: Path, target: Path) -> None:
    """Trace the transformer with mean pooling and L2 normalisation into one ONNX graph (needs torch once)."""
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise EncoderError("Exporting the model graph needs torch and transformers.") from exc
    hf_logging.disable_progress_bar()

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )[0]
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    model = Pooled(AutoModel.from_pretrained(str(model_path), attn_implementation="eager")).eval()
    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    # The tracer's warnings (a padding branch taken as constant, index ops) hold for every input shape here:
    # the agreement test runs the graph on other batch sizes and lengths than the trace's example.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example, example, torch.zeros_like(example)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "sentence_embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def load_encoder(model_path: str, model_name: str, backend: str) -> Encoder:
    """Build ``backend`` for the model; the caller falls back to torch when this raises."""
    if backend == TORCH:
        return TorchEncoder(model_path, model_name)
    if not available(backend):
        missing = [m for m in BACKENDS[backend][1] if importlib.util.find_spec(m) is None]
        raise EncoderError(f"backend {backend!r} needs {', '.join(missing)}, which is not installed")
    try:
        return GraphEncoder(model_path, model_name, backend)
    except EncoderError:
        raise
    except Exception as exc:  # noqa: BLE001 - any exporter/runtime failure becomes a fallback with a reason
        raise EncoderError(f"backend {backend!r} failed to start ({type(exc).__name__}: {exc})") from exc
