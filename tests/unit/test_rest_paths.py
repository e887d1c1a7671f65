import flask
import pytest

from functions._lib.operations import Operation
from functions._lib.rest import function_path
from shared.workspaces import Role

app = flask.Flask(__name__)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/c_1", "/c_1"), ("/api/contact/c_1", "/c_1"), ("/preview", "/preview"), ("/api/csv-import/preview", "/preview")],
)
def test_a_function_sees_its_own_path_directly_or_behind_hosting(path, expected):
    with app.test_request_context(path):
        assert function_path(flask.request) == expected


def test_a_declared_path_names_its_function_and_its_parameters():
    record = Operation("GET", "/contact/{id}", "Read a contact", Role.VIEWER)
    assert record.function == "contact"
    assert record.matches(["c_42"]) == {"id": "c_42"}
    assert record.matches([]) is None
    assert record.matches(["c_42", "more"]) is None
    preview = Operation("POST", "/csv-import/preview", "Preview", Role.MEMBER)
    assert preview.matches(["preview"]) == {}
    assert preview.matches(["apply"]) is None
