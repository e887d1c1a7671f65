"""Fields from the contact's latest email signature: the cheapest and most trusted source there is."""

from __future__ import annotations

from typing import Any

from shared.enrichment.model import EnrichmentInput, EnrichmentResult

# Signature field -> the enrichment field it fills.
_FIELDS = {"title": "title", "company": "companyName", "phones": "phones", "linkedin": "linkedin", "twitter": "twitter"}


class SignatureProvider:
    name = "signature"

    def enrich(self, subject: EnrichmentInput) -> EnrichmentResult:
        fields: dict[str, Any] = {}
        for source, target in _FIELDS.items():
            value = _cleaned(subject.signature.get(source))
            if value:
                fields[target] = value
        websites = [url for url in _cleaned(subject.signature.get("urls")) or [] if not _is_social(url)]
        if websites:
            fields["website"] = websites[0]
        return EnrichmentResult(provider=self.name, fields=fields)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list | tuple):
        return [item.strip() for item in value if isinstance(item, str) and item.strip()] or None
    return None


def _is_social(url: str) -> bool:
    lowered = url.lower()
    return any(host in lowered for host in ("linkedin.com", "twitter.com", "x.com/", "facebook.com", "instagram.com"))
