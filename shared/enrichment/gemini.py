"""Contact insights from Gemini on Vertex AI: role, seniority, topics, a relationship summary and a next step.

The prompt is data (`prompts/contact_insights.md`); the answer's shape is `ContactInsights`, sent as the
response schema so the model must answer with matching JSON. Every call is paid for out of the
workspace's AI budget: a true upper bound of its cost is reserved before the call (the prompt's bytes,
the most output it may produce) and settled with the real token counts after it, or at the
reservation when the outcome is unknown (a timeout, a 5xx, a crash).
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from shared.enrichment.budget import AiBudget, Budget
from shared.enrichment.model import AiUsage, EnrichmentInput, EnrichmentResult, InteractionBrief
from shared.enrichment.pricing import price_of
from shared.enrichment.prompts import load_prompt
from shared.errors import AiCallRejected, RetryLater
from shared.settings import get_settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

PROMPT_NAME = "contact_insights"
MAX_OUTPUT_TOKENS = 1024
# Models that cannot turn thinking off (Pro) think within this many tokens, billed as output.
THINKING_BUDGET_TOKENS = 512
# Gemini's tokenizer falls back to single bytes, so no token is shorter than one byte of UTF-8: a
# prompt's byte length bounds its token count in any language. The margin covers turn markers.
PROMPT_MARGIN_TOKENS = 64
# Every value from mail is cut to a bounded length, so the prompt (and its reservation) is bounded.
_FIELD_CHARS = 200
_SNIPPET_CHARS = 200
MAX_INTERACTIONS = 5
# Retried inside one reservation only where Google refused the call before running the model.
REFUSED_STATUS_CODES = [429, 503]
# A failure whose call may have run (and been billed): the reservation is charged, then retried later.
MAYBE_BILLED_STATUS_CODES = [408, 500, 502, 504]
_RETRY_LATER_SECONDS = 60.0
CALL_TIMEOUT_MS = 60_000

AnswerModel = TypeVar("AnswerModel", bound=BaseModel)
Seniority = Literal["unknown", "junior", "mid", "senior", "manager", "director", "vp", "c_level"]


class ContactInsights(BaseModel):
    """The structured answer the model must give."""

    role: str | None = Field(description="The contact's job title or function, or null if unknown.")
    seniority: Seniority = Field(description="How senior the contact is.")
    topics: list[str] = Field(description="Up to five short lowercase topics of the conversations.", max_length=5)
    relationship_summary: str = Field(description="One or two sentences on the relationship.")
    suggested_next_step: str = Field(description="One concrete next action for the team.")


class GeminiProvider:
    name = "gemini"

    def __init__(
        self,
        *,
        client_factory: Callable[[], genai.Client] | None = None,
        budget: Budget | None = None,
        model: str | None = None,
        retry: types.HttpRetryOptions | None = None,
    ) -> None:
        from shared import clients

        self._client_factory = client_factory or clients.genai_client
        self._budget = budget
        self.model = model or get_settings().gemini_model
        self._retry = retry
        self._price = price_of(self.model)  # fail at start, not at the first call, on an unpriced model

    @property
    def min_interval(self) -> timedelta:
        """How long an answer stays good: new mail alone does not trigger a new call before then."""
        return timedelta(days=get_settings().ai_refresh_days)

    def enrich(self, subject: EnrichmentInput) -> EnrichmentResult:
        prompt = load_prompt(PROMPT_NAME)
        user_turn = prompt.render(**prompt_values(subject))
        response, usage = self.generate_paid(
            subject.workspace_id, prompt.system, user_turn, schema=ContactInsights, feature=PROMPT_NAME
        )
        insights = parsed_as(ContactInsights, response)
        return EnrichmentResult(
            provider=self.name,
            fields={
                "role": insights.role,
                "seniority": insights.seniority,
                "topics": insights.topics,
                "relationshipSummary": insights.relationship_summary,
                "suggestedNextStep": insights.suggested_next_step,
            },
            usage=usage,
        )

    def generate_paid(
        self, workspace_id: str, system: str, user_turn: str, *, schema: type[BaseModel], feature: str
    ) -> tuple[types.GenerateContentResponse, AiUsage]:
        """One structured call paid for out of the workspace's AI budget: reserved before (BudgetExceeded
        when it cannot fit), settled with the real usage after, or at the reservation when unknown."""
        budget = self._budget or AiBudget()
        reservation = budget.reserve(
            workspace_id, self.reservation_micros(system, user_turn, schema=schema), feature=feature
        )
        try:
            response = self._generate(system, user_turn, schema)
        except _NotBilled:
            budget.release(reservation)
            raise
        except BaseException:
            # A timeout, a 5xx or a crash: the model may have run and Google may bill it.
            budget.settle_unknown(reservation)
            raise
        usage = usage_of(response, self.model)
        budget.settle(reservation, usage)
        return response, usage

    def reservation_micros(self, system: str, user_turn: str, *, schema: type[BaseModel] = ContactInsights) -> int:
        """A true upper bound of the call's cost: every prompt byte a token (the response schema
        included), and the most output and thinking the call may produce."""
        prompt_bytes = sum(len(text.encode()) for text in (system, user_turn, _schema_text(schema)))
        thinking = 0 if thinking_config(self.model).thinking_budget == 0 else THINKING_BUDGET_TOKENS
        return self._price.cost_micros(
            prompt_tokens=prompt_bytes + PROMPT_MARGIN_TOKENS, output_tokens=MAX_OUTPUT_TOKENS + thinking
        )

    def _generate(self, system: str, user_turn: str, schema: type[BaseModel]) -> types.GenerateContentResponse:
        from google.genai import errors, types

        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_schema=schema,
            temperature=0.2,
            max_output_tokens=MAX_OUTPUT_TOKENS,
            thinking_config=thinking_config(self.model),
            http_options=types.HttpOptions(retry_options=self._retry_options(), timeout=CALL_TIMEOUT_MS),
        )
        client = self._client_factory()  # held while calling: a collected client closes its connections
        try:
            return client.models.generate_content(model=self.model, contents=user_turn, config=config)
        except errors.APIError as error:
            if error.code in REFUSED_STATUS_CODES:
                raise _RefusedForNow(
                    f"Gemini is unavailable ({error.code} {error.status})", retry_after_seconds=_RETRY_LATER_SECONDS
                ) from error
            if error.code in MAYBE_BILLED_STATUS_CODES:
                raise RetryLater(
                    f"Gemini failed ({error.code} {error.status})", retry_after_seconds=_RETRY_LATER_SECONDS
                ) from error
            raise _Rejected(f"Gemini rejected the call: {error.code} {error.status}: {error.message}") from error
        except connect_errors() as error:
            raise _RefusedForNow(f"Gemini could not be reached: {error}") from error
        except transport_errors() as error:  # sent, and no answer came back (a timeout, a dropped stream)
            raise RetryLater(f"Gemini did not answer: {error}") from error

    def _retry_options(self) -> types.HttpRetryOptions:
        """Only refusals are retried within the call: an attempt that may have been billed is never
        hidden inside one reservation."""
        from google.genai import types

        retry = self._retry or types.HttpRetryOptions(attempts=get_settings().gemini_max_attempts)
        return retry.model_copy(update={"http_status_codes": REFUSED_STATUS_CODES})


def usage_of(response: types.GenerateContentResponse, model: str) -> AiUsage:
    """What a call used and cost, from its usage metadata (a stream's last chunk carries it)."""
    metadata = response.usage_metadata
    prompt = (metadata.prompt_token_count if metadata else None) or 0
    candidates = (metadata.candidates_token_count if metadata else None) or 0
    thoughts = (metadata.thoughts_token_count if metadata else None) or 0
    return AiUsage(
        model=response.model_version or model,
        prompt_tokens=prompt,
        candidate_tokens=candidates,
        thought_tokens=thoughts,
        cost_micros=price_of(model).cost_micros(prompt_tokens=prompt, output_tokens=candidates + thoughts),
    )


def prompt_values(subject: EnrichmentInput) -> dict[str, Any]:
    """The prompt's placeholders, from the contact. Unknowns are spelled out so the model sees them as such."""
    interactions = subject.recent_interactions[:MAX_INTERACTIONS]
    return {
        "name": _bounded(subject.name) or "unknown",
        "email": _bounded(subject.email),
        "title": _bounded(subject.signature.get("title")) or "unknown",
        "company": _bounded(subject.signature.get("company") or subject.company_name) or "unknown",
        "company_domain": _bounded(subject.company_domain) or "unknown (personal address)",
        "sent_count": subject.sent_count,
        "received_count": subject.received_count,
        "interactions": "\n".join(_interaction_line(i) for i in interactions) or "(none)",
    }


def _bounded(value: Any) -> str:
    return " ".join(str(value or "").split())[:_FIELD_CHARS]


def _interaction_line(interaction: InteractionBrief) -> str:
    direction = {"inbound": "from them", "outbound": "from the team"}.get(interaction.direction or "", "")
    snippet = " ".join(interaction.snippet.split())[:_SNIPPET_CHARS]
    line = f"- Subject: {_bounded(interaction.subject) or '(no subject)'}"
    if direction:
        line += f" ({direction})"
    return f"{line}\n  Snippet: {snippet}" if snippet else line


class _RefusedForNow(RetryLater):
    """Google refused the call before running the model (quota, overload, no connection): not billed."""


class _Rejected(AiCallRejected):
    """A bad request, refused before the model ran: not billed."""


_NotBilled = (_RefusedForNow, _Rejected)


def _httpx_errors(name: str) -> tuple[type[Exception], ...]:
    """An error class of whichever httpx the SDK was built with (it uses httpx or httpx2)."""
    found: list[type[Exception]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found.append(getattr(module, name))
    return tuple(found)


def transport_errors() -> tuple[type[Exception], ...]:
    return _httpx_errors("TransportError")


def connect_errors() -> tuple[type[Exception], ...]:
    """The request never reached Google."""
    return _httpx_errors("ConnectError")


@functools.cache
def _schema_text(schema: type[BaseModel]) -> str:
    return json.dumps(schema.model_json_schema())


def thinking_config(model: str) -> types.ThinkingConfig:
    from google.genai import types

    # A short structured answer gains nothing from thinking; Flash models can turn it off (Pro cannot,
    # and thinks within a set budget so that the call's cost stays bounded).
    return types.ThinkingConfig(thinking_budget=0 if "flash" in model else THINKING_BUDGET_TOKENS)


def parsed_as(schema: type[AnswerModel], response: types.GenerateContentResponse) -> AnswerModel:
    if isinstance(response.parsed, schema):
        return response.parsed
    finish = response.candidates[0].finish_reason if response.candidates else None
    try:
        return schema.model_validate_json(response.text or "")
    except ValidationError as error:
        raise AiCallRejected(f"Gemini's answer does not match the schema (finish reason {finish})") from error
