import flask
import pytest

from functions.rest import function_path, path_id
from shared.errors import NotFound

app = flask.Flask(__name__)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/c_1", "/c_1"), ("/api/contact/c_1", "/c_1"), ("/preview", "/preview"), ("/api/csv-import/preview", "/preview")],
)
def test_a_function_sees_its_own_path_directly_or_behind_hosting(path, expected):
    with app.test_request_context(path):
        assert function_path(flask.request) == expected


def test_path_id_names_one_record_either_way():
    with app.test_request_context("/api/contact/c_42"):
        assert path_id(flask.request) == "c_42"
    with app.test_request_context("/api/contact/"), pytest.raises(NotFound):
        path_id(flask.request)
