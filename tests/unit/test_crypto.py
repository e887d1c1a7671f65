import base64
import os

import pytest
from cryptography.exceptions import InvalidTag

from shared.crypto import LocalKeyWrapper, SecretBox
from shared.errors import InvalidInput


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(LocalKeyWrapper(os.urandom(32)))


def test_a_sealed_token_opens_with_its_context(box):
    sealed = box.seal("1//refresh-token", context="mb_1")
    assert "refresh-token" not in sealed.model_dump_json()
    assert box.open(sealed, context="mb_1") == "1//refresh-token"


def test_each_seal_uses_a_fresh_data_key(box):
    first, second = box.seal("same", context="c"), box.seal("same", context="c")
    assert first.wrapped_key != second.wrapped_key
    assert first.ciphertext != second.ciphertext


def test_a_token_moved_to_another_record_does_not_open(box):
    sealed = box.seal("secret", context="mb_1")
    with pytest.raises(InvalidTag):
        box.open(sealed, context="mb_2")


def test_a_tampered_ciphertext_does_not_open(box):
    sealed = box.seal("secret", context="mb_1")
    data = bytearray(base64.b64decode(sealed.ciphertext))
    data[0] ^= 1
    tampered = sealed.model_copy(update={"ciphertext": base64.b64encode(bytes(data)).decode()})
    with pytest.raises(InvalidTag):
        box.open(tampered, context="mb_1")


def test_another_key_cannot_open_it(box):
    sealed = box.seal("secret", context="mb_1")
    with pytest.raises(InvalidTag):
        SecretBox(LocalKeyWrapper(os.urandom(32))).open(sealed, context="mb_1")


def test_the_local_key_must_be_32_bytes():
    with pytest.raises(InvalidInput):
        LocalKeyWrapper(b"short")
