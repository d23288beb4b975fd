"""Embedding: which model a name resolves to and the lazily loaded ``Embedder`` (``model``), and the encoder
backends that run it (``backends``: torch, ONNX Runtime, OpenVINO)."""
