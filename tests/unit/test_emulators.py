from pathlib import Path

import pytest

from devstack import emulators
from devstack.processes import StackError


@pytest.mark.parametrize(
    ("attribute", "launch", "package"),
    [
        (
            "FIRESTORE_EMULATOR",
            lambda: emulators.firestore(1, Path("firestore.rules")),
            "google-cloud-cli-firestore-emulator",
        ),
        ("PUBSUB_EMULATOR", lambda: emulators.pubsub(1), "google-cloud-cli-pubsub-emulator"),
        ("TASKS_EMULATOR", lambda: emulators.cloud_tasks(1, 3), ".venv-tasks"),
    ],
)
def test_a_missing_emulator_names_what_to_install(monkeypatch, tmp_path, attribute, launch, package):
    monkeypatch.setattr(emulators, attribute, tmp_path / "not-installed")
    with pytest.raises(StackError, match="Install it") as error:
        launch()
    assert package in str(error.value)


def test_java_missing_is_named(monkeypatch):
    monkeypatch.setattr(emulators.shutil, "which", lambda name: None)
    with pytest.raises(StackError, match="openjdk"):
        emulators.firestore(1, Path("firestore.rules"))


def test_an_installed_emulator_gets_a_loopback_command_line():
    launch = emulators.firestore(8123, Path("/x/firestore.rules"))
    assert "--host=127.0.0.1" in launch.argv
    assert "--port=8123" in launch.argv
    assert "--rules=/x/firestore.rules" in launch.argv
