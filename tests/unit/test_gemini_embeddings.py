"""The local stand-in's embedding calls, through the real google-genai SDK: a real sentence model
(all-MiniLM-L6-v2 in numpy), Vertex's wire format for `:predict` and `:embedContent`, and its refusals."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, cast

import numpy as np
import pytest
from google import genai
from google.genai import errors, types

from devstack.gemini_server import GeminiServer
from devstack.gemini_server.minilm import model
from tests.support import local_genai_client

# Cosine similarities sentence-transformers gives for these pairs with the same model (to 4 places):
# the numpy forward pass must reproduce the model, not merely resemble it.
REFERENCE = [
    ("Can you send over pricing for 50 seats?", "pricing question", 0.5188),
    ("Lunch on Friday at the usual place?", "pricing question", 0.1148),
]


@pytest.fixture(scope="module")
def client() -> Iterator[genai.Client]:
    with GeminiServer() as server:
        yield cast(genai.Client, local_genai_client(server.url))


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def _embed(client: genai.Client, text: str, **config: Any) -> types.EmbedContentResponse:
    return client.models.embed_content(
        model="gemini-embedding-001", contents=text, config=types.EmbedContentConfig(**config)
    )


@pytest.mark.parametrize(("text", "query", "similarity"), REFERENCE)
def test_the_model_is_all_minilm_l6_v2(text: str, query: str, similarity: float):
    assert round(_cosine(model().embed(text).vector, model().embed(query).vector), 4) == similarity


def test_the_forward_pass_stays_in_the_weights_float32():
    # One float64 step (a numpy float64 scalar promotes what it divides) sends every later product past BLAS:
    # an embedding took several times longer, which every search and index pass waited for.
    ids = np.array([101, 7909, 102])  # [CLS] pricing [SEP]
    assert model()._forward(ids).dtype == np.float32


def test_embed_content_answers_a_normalised_384_dimension_vector_with_its_token_count(client):
    response = _embed(client, "Pilot pricing for the Berlin rollout", task_type="RETRIEVAL_DOCUMENT")
    [embedding] = response.embeddings or []
    values = embedding.values or []
    assert len(values) == 384
    assert math.isclose(math.sqrt(sum(v * v for v in values)), 1.0, rel_tol=1e-5)
    assert embedding.statistics is not None
    assert embedding.statistics.token_count == 9  # [CLS] + 7 word pieces + [SEP]
    assert embedding.statistics.truncated is False


def test_meaning_decides_the_distance(client):
    def vector(text: str) -> list[float]:
        return list((_embed(client, text).embeddings or [])[0].values or [])

    question = vector("how much does it cost?")
    pricing = vector("The total comes to €48,000 for the first year, including onboarding and support.")
    meeting = vector("Would Thursday at 10:00 work for a quick call? Happy to send an invite.")
    assert _cosine(question, pricing) > _cosine(question, meeting) + 0.1


def test_fewer_dimensions_keep_the_leading_ones_and_more_are_refused(client):
    short = (_embed(client, "pricing", output_dimensionality=64).embeddings or [])[0].values or []
    assert len(short) == 64
    with pytest.raises(errors.ClientError) as refused:
        _embed(client, "pricing", output_dimensionality=768)
    assert refused.value.code == 400
    assert "RAPPORT_EMBEDDING_DIMENSIONS" in str(refused.value)


def test_long_text_is_truncated_and_says_so(client):
    [embedding] = _embed(client, "word " * 600).embeddings or []
    assert embedding.statistics is not None
    assert (embedding.statistics.truncated, embedding.statistics.token_count) == (True, 256)


def test_a_generation_model_does_not_embed_and_an_embedding_model_does_not_generate(client):
    with pytest.raises(errors.ClientError) as embedding_by_flash:
        client.models.embed_content(model="gemini-2.5-flash", contents="pricing")
    assert embedding_by_flash.value.code == 404
    with pytest.raises(errors.ClientError) as generating:
        client.models.generate_content(model="gemini-embedding-001", contents="pricing")
    assert generating.value.code == 404
