"""Enrichment: what Rapport learns about a contact beyond the mail itself, each fact with its source.

Providers share one interface (`EnrichmentProvider`): the latest signature, the company's domain and
website, and Gemini on Vertex AI, paid for out of each workspace's monthly AI budget.
`EnrichmentService.enrich_contact` runs them for one contact and stores the results.
"""

from shared.enrichment.budget import AiBudget, Reservation
from shared.enrichment.domain import DomainProvider, website_metadata
from shared.enrichment.gemini import AiCallRejected, ContactInsights, GeminiProvider
from shared.enrichment.model import AiUsage, EnrichmentInput, EnrichmentProvider, EnrichmentResult, InteractionBrief
from shared.enrichment.service import EnrichmentOutcome, EnrichmentService
from shared.enrichment.signature import SignatureProvider

__all__ = [
    "AiBudget",
    "AiCallRejected",
    "AiUsage",
    "ContactInsights",
    "DomainProvider",
    "EnrichmentInput",
    "EnrichmentOutcome",
    "EnrichmentProvider",
    "EnrichmentResult",
    "EnrichmentService",
    "GeminiProvider",
    "InteractionBrief",
    "Reservation",
    "SignatureProvider",
    "website_metadata",
]
