"""The shapes every enrichment provider shares: what goes in, what comes out, and the provider interface."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class InteractionBrief(BaseModel):
    """One recent message with the contact, as much as a provider needs."""

    model_config = ConfigDict(frozen=True)

    subject: str = ""
    snippet: str = ""
    direction: str | None = None  # "inbound" | "outbound"


class EnrichmentInput(BaseModel):
    """What the CRM knows of one contact. `signature` holds the fields of their latest signature
    (title, company, phones, urls, linkedin, twitter), as mail extraction produces them."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    contact_id: str
    email: str
    name: str | None = None
    company_domain: str | None = None
    company_name: str | None = None
    signature: dict[str, Any] = Field(default_factory=dict)
    recent_interactions: tuple[InteractionBrief, ...] = ()
    sent_count: int = 0
    received_count: int = 0

    def fingerprint(self) -> str:
        """Stable hash of the input: a provider that saw the same fingerprint has nothing new to learn."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]


class AiUsage(BaseModel):
    """What one model call used and cost. Costs are integer micro-USD, so sums never drift."""

    model_config = ConfigDict(frozen=True)

    model: str
    prompt_tokens: int
    candidate_tokens: int
    thought_tokens: int = 0
    cost_micros: int

    @property
    def cost_usd(self) -> float:
        return self.cost_micros / 1_000_000


class EnrichmentResult(BaseModel):
    """Fields one provider learned, each to be stored with the provider as its source."""

    model_config = ConfigDict(frozen=True)

    provider: str
    fields: dict[str, Any] = Field(default_factory=dict)
    usage: AiUsage | None = None


class EnrichmentProvider(Protocol):
    @property
    def name(self) -> str: ...

    def enrich(self, subject: EnrichmentInput) -> EnrichmentResult: ...
