"""Text embeddings as Vertex AI answers them, computed by a real model (all-MiniLM-L6-v2, minilm.py).

google-genai sends `gemini-embedding-001` to `:predict` (one instance a request, as Vertex allows for
that model) and newer Gemini embedding models to `:embedContent`; both are answered here. The stand-in's
model has 384 dimensions: a smaller `outputDimensionality` keeps the leading ones, re-normalised (as
Matryoshka-trained Gemini embeddings may be cut); a larger one is refused, so a mismatch with the
vector index shows at once.
"""

from __future__ import annotations

import math
from typing import Any

from devstack.gemini_server import errors
from devstack.gemini_server.minilm import DIMENSIONS, Embedded, model

EMBEDDING_MODEL_MARK = "embedding"
# Gemini embedding models take at most 2,048 tokens; auto-truncation is on unless turned off.
MAX_INPUT_TOKENS = 2048
_TASK_TYPES = frozenset(
    {
        "RETRIEVAL_QUERY",
        "RETRIEVAL_DOCUMENT",
        "SEMANTIC_SIMILARITY",
        "CLASSIFICATION",
        "CLUSTERING",
        "QUESTION_ANSWERING",
        "FACT_VERIFICATION",
        "CODE_RETRIEVAL_QUERY",
    }
)


def is_embedding_model(model_name: str) -> bool:
    return EMBEDDING_MODEL_MARK in model_name


def predict(body: dict[str, Any]) -> dict[str, Any]:
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances:
        raise errors.invalid_argument("instances must be a non-empty list.", field="instances")
    if len(instances) > 1:
        raise errors.invalid_argument("Only one instance is supported per request for this model.")
    parameters = body.get("parameters") or {}
    instance = instances[0]
    if not isinstance(instance, dict) or not isinstance(instance.get("content"), str):
        raise errors.invalid_argument("instances[0].content must be a string.", field="instances[0].content")
    _check_task_type(instance.get("task_type"))
    embedded = _embed(instance["content"], parameters)
    values = _dimensioned(embedded.vector, parameters.get("outputDimensionality"))
    return {
        "predictions": [
            {
                "embeddings": {
                    "values": values,
                    "statistics": {"token_count": embedded.tokens, "truncated": embedded.truncated},
                }
            }
        ],
        "metadata": {"billableCharacterCount": len(instance["content"])},
    }


def embed_content(body: dict[str, Any]) -> dict[str, Any]:
    content = body.get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list) or not parts:
        raise errors.invalid_argument("content.parts must be a non-empty list.", field="content")
    text = " ".join(str(part.get("text", "")) for part in parts if isinstance(part, dict))
    config = body.get("embedContentConfig") or {}
    _check_task_type(config.get("taskType"))
    embedded = _embed(text, config)
    return {
        "embedding": {"values": _dimensioned(embedded.vector, config.get("outputDimensionality"))},
        "usageMetadata": {"promptTokenCount": embedded.tokens, "totalTokenCount": embedded.tokens},
        "truncated": embedded.truncated,
    }


def _check_task_type(task_type: Any) -> None:
    if task_type is not None and task_type not in _TASK_TYPES:
        raise errors.invalid_argument(f"Invalid task type {task_type!r}.", field="task_type")


def _embed(text: str, options: dict[str, Any]) -> Embedded:
    if not text.strip():
        raise errors.invalid_argument("The text content is empty.", field="content")
    embedded = model().embed(text)
    if options.get("autoTruncate") is False and model().token_count(text) > MAX_INPUT_TOKENS:
        raise errors.invalid_argument(f"The input exceeds {MAX_INPUT_TOKENS} tokens and autoTruncate is false.")
    return embedded


def _dimensioned(vector: list[float], wanted: Any) -> list[float]:
    if wanted is None:
        return vector
    if not isinstance(wanted, int) or wanted < 1:
        raise errors.invalid_argument("outputDimensionality must be a positive integer.")
    if wanted > DIMENSIONS:
        raise errors.invalid_argument(
            f"outputDimensionality {wanted} is more than the local model's {DIMENSIONS} dimensions "
            "(set RAPPORT_EMBEDDING_DIMENSIONS to at most that)."
        )
    kept = vector[:wanted]
    norm = math.sqrt(sum(value * value for value in kept)) or 1.0
    return [value / norm for value in kept]
