import json
from pathlib import Path

import main
from shared.resources import RESOURCES_FILE, resources


def test_every_declared_function_has_its_entry_point_in_main():
    for name, function in resources().functions.items():
        assert callable(getattr(main, function.entry_point)), name


def test_function_names_are_valid_cloud_functions_ids():
    for name in resources().functions:
        assert name.replace("-", "").isalnum(), name
        assert name == name.lower()


def test_subscriptions_and_queues_point_at_declared_functions_and_topics():
    declared = resources()
    for subscription in declared.subscriptions.values():
        assert subscription.function in declared.functions
        assert subscription.topic in declared.topics
    for queue in declared.queues.values():
        assert queue.function in declared.functions
    for function in declared.functions.values():
        if function.trigger == "pubsub":
            assert function.topic in declared.topics


def test_terraform_reads_the_same_declaration():
    locals_tf = (Path(__file__).resolve().parents[2] / "terraform/modules/rapport/locals.tf").read_text()
    assert "shared/resources.json" in locals_tf
    assert json.loads(RESOURCES_FILE.read_text())["functions"]
