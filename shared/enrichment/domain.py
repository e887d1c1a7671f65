"""The company behind the contact's work domain: a readable name, and what its website says about itself.

The website is read only through an injected fetcher, so tests and local runs never touch the network
and production decides how (and whether) to fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from shared.enrichment.model import EnrichmentInput, EnrichmentResult
from shared.mail.companies import company_name_from_domain

# url -> the page's HTML, or None when it could not be read.
WebsiteFetcher = Callable[[str], str | None]
_MAX_DESCRIPTION_CHARS = 300


class DomainProvider:
    name = "domain"

    def __init__(self, *, fetch_website: WebsiteFetcher | None = None) -> None:
        self._fetch_website = fetch_website

    def enrich(self, subject: EnrichmentInput) -> EnrichmentResult:
        domain = subject.company_domain
        if not domain:
            return EnrichmentResult(provider=self.name)
        fields: dict[str, Any] = {"companyDomain": domain, "companyName": company_name_from_domain(domain)}
        if self._fetch_website is not None:
            html = self._fetch_website(f"https://{domain}/")
            if html:
                fields.update(website_metadata(html))
        return EnrichmentResult(provider=self.name, fields=fields)


def website_metadata(html: str) -> dict[str, str]:
    """The site's own name and description from <title>, og:site_name and the description metas."""
    parser = _MetadataParser()
    parser.feed(html)
    parser.close()
    metadata: dict[str, str] = {}
    site_name = parser.meta.get("og:site_name")
    if site_name:
        metadata["companyName"] = site_name
    description = parser.meta.get("og:description") or parser.meta.get("description")
    if description:
        metadata["companyDescription"] = " ".join(description.split())[:_MAX_DESCRIPTION_CHARS]
    title = " ".join(parser.title.split())
    if title:
        metadata["websiteTitle"] = title
    return metadata


class _MetadataParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {key.lower(): value or "" for key, value in attrs}
            key = (values.get("property") or values.get("name") or "").lower()
            content = values.get("content", "").strip()
            if key and content:
                self.meta.setdefault(key, content)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
