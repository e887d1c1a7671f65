"""Text embeddings through google-genai (Vertex AI in production, the local stand-in's real model locally),
each call paid for out of the workspace's AI budget like every other model call."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shared.enrichment.budget import AiBudget, Budget, Reservation
from shared.enrichment.gemini import (
    MAYBE_BILLED_STATUS_CODES,
    PROMPT_MARGIN_TOKENS,
    REFUSED_STATUS_CODES,
    AiCallRejected,
    connect_errors,
    transport_errors,
)
from shared.enrichment.model import AiUsage
from shared.enrichment.pricing import price_of
from shared.errors import RetryLater
from shared.settings import get_settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

# Gemini embedding models read up to 2,048 tokens; a message's subject and visible reply are far
# shorter, and the cap keeps each call's reservation (one token per byte at most) small and true.
MAX_EMBEDDED_CHARS = 2000
CALL_TIMEOUT_MS = 30_000
Task = Literal["RETRIEVAL_DOCUMENT", "RETRIEVAL_QUERY"]


@dataclass(frozen=True)
class Embedding:
    vector: list[float]
    usage: AiUsage


class _NotBilled(RetryLater):
    """Refused before the model ran (quota, overload, unreachable): the reservation is released."""


class _Rejected(AiCallRejected):
    """A bad request: not billed, and retrying cannot help."""


def bounded_text(text: str) -> str:
    return " ".join(text.split())[:MAX_EMBEDDED_CHARS]


class Embedder:
    def __init__(
        self,
        *,
        client_factory: Callable[[], genai.Client] | None = None,
        budget: Budget | None = None,
        model: str | None = None,
        dimensions: int | None = None,
    ) -> None:
        from shared import clients

        settings = get_settings()
        self._client_factory = client_factory or clients.genai_client
        self._budget = budget
        self.model = model or settings.embedding_model
        self.dimensions = dimensions or settings.embedding_dimensions
        self._price = price_of(self.model)

    def fingerprint(self, text: str) -> str:
        """Changes when the text, the model or the dimensions do: then an embedding must be made again."""
        return hashlib.sha256(f"{self.model}\n{self.dimensions}\n{bounded_text(text)}".encode()).hexdigest()[:24]

    def reservation_micros(self, text: str) -> int:
        """A true upper bound: every byte a token (no tokenizer makes fewer bytes per token)."""
        return self._price.cost_micros(prompt_tokens=len(text.encode()) + PROMPT_MARGIN_TOKENS, output_tokens=0)

    def embed(self, workspace_id: str, text: str, *, task: Task, feature: str) -> Embedding:
        return self.embed_many(workspace_id, [text], task=task, feature=feature)[0]

    def embed_many(self, workspace_id: str, texts: list[str], *, task: Task, feature: str) -> list[Embedding]:
        """One embedding per text (Vertex takes one text a request for Gemini embedding models), paid for
        with one reservation for them all: a page of mail costs two budget writes, not two per message."""
        bounded = [bounded_text(text) for text in texts]
        if not all(bounded):
            raise _Rejected("there is no text to embed")
        budget = self._budget or AiBudget()
        reservation = budget.reserve(
            workspace_id, sum(self.reservation_micros(text) for text in bounded), feature=feature
        )
        done: list[Embedding] = []
        try:
            for text in bounded:
                vector, tokens = _vector_and_tokens(self._call(text, task), text)
                done.append(Embedding(vector, self._usage(tokens)))
        except (_NotBilled, _Rejected):
            self._settle(budget, reservation, done, unknown_micros=0)
            raise
        except BaseException:
            # Sent, and no answer (a timeout, a 5xx, a crash): that call may be billed at its bound.
            self._settle(budget, reservation, done, unknown_micros=self.reservation_micros(bounded[len(done)]))
            raise
        self._settle(budget, reservation, done, unknown_micros=0)
        wrong = [len(e.vector) for e in done if len(e.vector) != self.dimensions]
        if wrong:
            raise _Rejected(f"an embedding has {wrong[0]} dimensions, not the {self.dimensions} asked for")
        return done

    def _usage(self, tokens: int) -> AiUsage:
        cost = self._price.cost_micros(prompt_tokens=tokens, output_tokens=0)
        return AiUsage(model=self.model, prompt_tokens=tokens, candidate_tokens=0, cost_micros=cost)

    def _settle(self, budget: Budget, reservation: Reservation, done: list[Embedding], *, unknown_micros: int) -> None:
        if not done and not unknown_micros:
            budget.release(reservation)
            return
        tokens = sum(e.usage.prompt_tokens for e in done)
        cost = sum(e.usage.cost_micros for e in done) + unknown_micros
        budget.settle(
            reservation, AiUsage(model=self.model, prompt_tokens=tokens, candidate_tokens=0, cost_micros=cost)
        )

    def _call(self, text: str, task: Task) -> types.EmbedContentResponse:
        from google.genai import errors, types

        config = types.EmbedContentConfig(
            task_type=task,
            output_dimensionality=self.dimensions,
            auto_truncate=True,
            http_options=types.HttpOptions(
                timeout=CALL_TIMEOUT_MS,
                retry_options=types.HttpRetryOptions(
                    attempts=get_settings().gemini_max_attempts, http_status_codes=REFUSED_STATUS_CODES
                ),
            ),
        )
        client = self._client_factory()  # held while calling: a collected client closes its connections
        try:
            return client.models.embed_content(model=self.model, contents=text, config=config)
        except errors.APIError as error:
            if error.code in REFUSED_STATUS_CODES:
                raise _NotBilled(f"embeddings are unavailable ({error.code} {error.status})") from error
            if error.code in MAYBE_BILLED_STATUS_CODES:
                raise RetryLater(f"the embedding call failed ({error.code} {error.status})") from error
            raise _Rejected(f"the embedding call was rejected: {error.code} {error.status}: {error.message}") from error
        except connect_errors() as error:
            raise _NotBilled(f"embeddings could not be reached: {error}") from error
        except transport_errors() as error:
            raise RetryLater(f"the embedding call did not answer: {error}") from error


def _vector_and_tokens(response: types.EmbedContentResponse, text: str) -> tuple[list[float], int]:
    embedding = response.embeddings[0] if response.embeddings else None
    if embedding is None or not embedding.values:
        raise _Rejected("the embedding call answered no embedding")
    tokens = int(embedding.statistics.token_count or 0) if embedding.statistics else 0
    if not tokens and response.metadata and response.metadata.billable_character_count:
        tokens = response.metadata.billable_character_count  # characters bound tokens from above
    return list(embedding.values), tokens or len(text.encode())
