"""Contact insights from Gemini on Vertex AI: role, seniority, topics, a relationship summary and a next step.

The prompt is data (`prompts/contact_insights.md`); the answer's shape is `ContactInsights`, sent as the
response schema so the model must answer with matching JSON. Every call is paid for out of the
workspace's AI budget, reserved before the call and settled with the real token counts after it.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from shared.enrichment.budget import AiBudget, Budget
from shared.enrichment.model import AiUsage, EnrichmentInput, EnrichmentResult, InteractionBrief
from shared.enrichment.pricing import price_of
from shared.enrichment.prompts import load_prompt
from shared.errors import DomainError, RetryLater
from shared.settings import get_settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

PROMPT_NAME = "contact_insights"
MAX_OUTPUT_TOKENS = 1024
# Budget estimates assume dense text (three characters a token) so the reservation is an upper bound.
_ESTIMATE_CHARS_PER_TOKEN = 3
_RETRIED_STATUS_CODES = [408, 429, 500, 502, 503, 504]
_RETRY_LATER_SECONDS = 60.0
_SNIPPET_CHARS = 200

Seniority = Literal["unknown", "junior", "mid", "senior", "manager", "director", "vp", "c_level"]


class ContactInsights(BaseModel):
    """The structured answer the model must give."""

    role: str | None = Field(description="The contact's job title or function, or null if unknown.")
    seniority: Seniority = Field(description="How senior the contact is.")
    topics: list[str] = Field(description="Up to five short lowercase topics of the conversations.", max_length=5)
    relationship_summary: str = Field(description="One or two sentences on the relationship.")
    suggested_next_step: str = Field(description="One concrete next action for the team.")


class AiCallRejected(DomainError):
    """The model call failed in a way retrying cannot fix: a bad request, an unknown model, unusable output."""

    code = "ai_call_rejected"


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
        budget = self._budget or AiBudget()
        reservation = budget.reserve(subject.workspace_id, self.estimate_micros(prompt.system + user_turn))
        try:
            response = self._generate(prompt.system, user_turn)
        except BaseException:
            budget.release(reservation)  # failed calls are not billed
            raise
        usage = self._usage(response)
        budget.settle(reservation, usage)
        insights = _parsed(response)
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

    def estimate_micros(self, prompt_text: str) -> int:
        prompt_tokens = math.ceil(len(prompt_text) / _ESTIMATE_CHARS_PER_TOKEN)
        return self._price.cost_micros(prompt_tokens=prompt_tokens, output_tokens=MAX_OUTPUT_TOKENS)

    def _generate(self, system: str, user_turn: str) -> types.GenerateContentResponse:
        from google.genai import errors, types

        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_schema=ContactInsights,
            temperature=0.2,
            max_output_tokens=MAX_OUTPUT_TOKENS,
            thinking_config=_thinking_config(self.model),
            http_options=types.HttpOptions(retry_options=self._retry or self._default_retry()),
        )
        client = self._client_factory()  # held while calling: a collected client closes its connections
        try:
            return client.models.generate_content(model=self.model, contents=user_turn, config=config)
        except errors.APIError as error:
            if error.code in _RETRIED_STATUS_CODES:
                raise RetryLater(
                    f"Gemini is unavailable ({error.code} {error.status})", retry_after_seconds=_RETRY_LATER_SECONDS
                ) from error
            raise AiCallRejected(f"Gemini rejected the call: {error.code} {error.status}: {error.message}") from error
        except _transport_errors() as error:
            raise RetryLater(f"Gemini could not be reached: {error}") from error

    def _default_retry(self) -> types.HttpRetryOptions:
        from google.genai import types

        attempts = get_settings().gemini_max_attempts
        return types.HttpRetryOptions(attempts=attempts, http_status_codes=_RETRIED_STATUS_CODES)

    def _usage(self, response: types.GenerateContentResponse) -> AiUsage:
        metadata = response.usage_metadata
        prompt = (metadata.prompt_token_count if metadata else None) or 0
        candidates = (metadata.candidates_token_count if metadata else None) or 0
        thoughts = (metadata.thoughts_token_count if metadata else None) or 0
        return AiUsage(
            model=response.model_version or self.model,
            prompt_tokens=prompt,
            candidate_tokens=candidates,
            thought_tokens=thoughts,
            cost_micros=self._price.cost_micros(prompt_tokens=prompt, output_tokens=candidates + thoughts),
        )


def prompt_values(subject: EnrichmentInput) -> dict[str, Any]:
    """The prompt's placeholders, from the contact. Unknowns are spelled out so the model sees them as such."""
    return {
        "name": subject.name or "unknown",
        "email": subject.email,
        "title": subject.signature.get("title") or "unknown",
        "company": subject.signature.get("company") or subject.company_name or "unknown",
        "company_domain": subject.company_domain or "unknown (personal address)",
        "sent_count": subject.sent_count,
        "received_count": subject.received_count,
        "interactions": "\n".join(_interaction_line(i) for i in subject.recent_interactions) or "(none)",
    }


def _interaction_line(interaction: InteractionBrief) -> str:
    direction = {"inbound": "from them", "outbound": "from the team"}.get(interaction.direction or "", "")
    snippet = " ".join(interaction.snippet.split())[:_SNIPPET_CHARS]
    line = f"- Subject: {' '.join(interaction.subject.split()) or '(no subject)'}"
    if direction:
        line += f" ({direction})"
    return f"{line}\n  Snippet: {snippet}" if snippet else line


def _transport_errors() -> tuple[type[Exception], ...]:
    """Connection failures of whichever httpx the SDK was built with (it uses httpx or httpx2)."""
    found: list[type[Exception]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found.append(module.TransportError)
    return tuple(found)


def _thinking_config(model: str) -> types.ThinkingConfig | None:
    from google.genai import types

    # A short structured answer gains nothing from thinking; Flash models can turn it off (Pro cannot).
    return types.ThinkingConfig(thinking_budget=0) if "flash" in model else None


def _parsed(response: types.GenerateContentResponse) -> ContactInsights:
    if isinstance(response.parsed, ContactInsights):
        return response.parsed
    finish = response.candidates[0].finish_reason if response.candidates else None
    try:
        return ContactInsights.model_validate_json(response.text or "")
    except ValidationError as error:
        raise AiCallRejected(f"Gemini's answer does not match the schema (finish reason {finish})") from error
