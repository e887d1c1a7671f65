"""Reading an uploaded CSV: whatever text arrives is either read or refused as bad input, never a crash."""

import pytest

from shared.crm.csv_io import parse
from shared.crm.models import CsvImport
from shared.errors import InvalidInput


def test_bare_carriage_returns_end_lines():
    parsed = parse(CsvImport(kind="contacts", csv="email,name\rann@acme.com,Ann\rbob@acme.com,Bob"))
    assert [row.fields["email"] for row in parsed.rows] == ["ann@acme.com", "bob@acme.com"]


def test_a_lone_carriage_return_first_is_a_missing_header():
    with pytest.raises(InvalidInput):
        parse(CsvImport(kind="contacts", csv="\r&x"))


def test_a_field_too_large_for_the_reader_is_invalid_input():
    with pytest.raises(InvalidInput) as refused:
        parse(CsvImport(kind="contacts", csv="email\n" + "a" * 200_000))
    assert refused.value.details["field"] == "csv"
