"""Company domains and names from email addresses."""

from __future__ import annotations

import pytest

from shared.mail.companies import company_domain, company_name_from_domain, is_free_mail_domain


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("ann@acme.com", "acme.com"),
        ("Ann@EU.Acme.Co.UK", "acme.co.uk"),
        ("bob@mail.northwind-analytics.co.uk", "northwind-analytics.co.uk"),
        ("kim@sub.example.com.au", "example.com.au"),
        ("x@gmail.com", None),
        ("x@googlemail.com", None),
        ("x@yahoo.co.jp", None),
        ("x@hotmail.fr", None),
        ("x@outlook.com.br", None),
        ("x@gmx.at", None),
        ("x@web.de", None),
        ("x@mail.ru", None),
        ("x@icloud.com", None),
        ("x@protonmail.com", None),
        ("x@localhost", None),
        ("x@[192.168.0.1]", None),
        ("not an address", None),
        ("", None),
    ],
)
def test_company_domain(email: str, domain: str | None) -> None:
    assert company_domain(email) == domain


def test_work_domains_of_mail_providers_staff_stay_companies() -> None:
    assert company_domain("jane@orange.com") == "orange.com"
    assert company_domain("jane@mail.acme.com") == "acme.com"
    assert not is_free_mail_domain("acme.com")


@pytest.mark.parametrize(
    ("domain", "name"),
    [
        ("northwind-analytics.co.uk", "Northwind Analytics"),
        ("acme.com", "Acme"),
        ("ibm.com", "IBM"),
        ("blue_sky.io", "Blue Sky"),
        ("eu.contoso.de", "Contoso"),
    ],
)
def test_company_name_from_domain(domain: str, name: str) -> None:
    assert company_name_from_domain(domain) == name
