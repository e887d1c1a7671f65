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


def test_columns_are_guessed_from_headers_and_the_guess_is_shown():
    parsed = parse(CsvImport(kind="contacts", csv="E-mail address,Full name,Name,Favourite colour\na@x.io,Ann,A,red\n"))
    assert parsed.columns == [
        {"header": "E-mail address", "field": "email"},
        {"header": "Full name", "field": "name"},
        {"header": "Name", "field": None},  # the first column guessed as a field fills it
        {"header": "Favourite colour", "field": None},
    ]
    assert parsed.rows[0].fields == {"email": "a@x.io", "name": "Ann"}


def test_a_mapping_chosen_by_a_person_replaces_the_guess():
    csv_text = "Work mail,Who,Role\na@x.io,Ann Lee,CTO\n"
    mapping = {"Work mail": "email", "Who": "name", "Role": None}
    parsed = parse(CsvImport(kind="contacts", csv=csv_text, mapping=mapping))
    assert parsed.rows[0].fields == {"email": "a@x.io", "name": "Ann Lee"}
    assert parsed.ignored_columns == ["Role"]
    with pytest.raises(InvalidInput, match="email column"):
        parse(CsvImport(kind="contacts", csv=csv_text, mapping={"Who": "name"}))


@pytest.mark.parametrize(
    ("mapping", "message"),
    [({"a": "email", "b": "email"}, "two columns"), ({"a": "email", "b": "internalNotes"}, "not a field")],
)
def test_a_mapping_to_an_unknown_field_or_one_field_twice_is_refused(mapping, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        parse(CsvImport(kind="contacts", csv="a,b\nx@y.io,z\n", mapping=mapping))
    assert refused.value.details["field"] == "mapping"


def test_row_errors_are_said_in_plain_words():
    parsed = parse(CsvImport(kind="contacts", csv="email,name\nnot-an-email,Ann\n,Bob\n"), require_identity=False)
    assert [row.error for row in parsed.rows] == [
        {"row": 1, "field": "email", "message": "not an email address"},
        {"row": 2, "field": "email", "message": "empty, and this field is needed"},
    ]
