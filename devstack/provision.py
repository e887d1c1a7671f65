"""Creates the topics, subscriptions and queues of shared/resources.json on the local emulators."""

from __future__ import annotations

import contextlib

from google.api_core import exceptions
from google.cloud import tasks_v2
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient
from google.protobuf import duration_pb2

from shared.resources import resources

# Subscription names on the emulator follow the resource keys, dashed, as terraform names them.


def subscription_name(key: str) -> str:
    return key.replace("_", "-")


def provision(
    *,
    project_id: str,
    region: str,
    push_base_url: str,
    publisher: PublisherClient,
    subscriber: SubscriberClient,
    tasks: tasks_v2.CloudTasksClient,
) -> None:
    declared = resources()
    for topic in declared.topics.values():
        with contextlib.suppress(exceptions.AlreadyExists):
            publisher.create_topic(name=publisher.topic_path(project_id, topic))

    dead_letter_topic = publisher.topic_path(project_id, declared.topic("dead_letter"))
    for key, push in declared.subscriptions.items():
        request = {
            "name": subscriber.subscription_path(project_id, subscription_name(key)),
            "topic": publisher.topic_path(project_id, declared.topic(push.topic)),
            # The emulator's pushes carry no OIDC token: they go to the entrance that adds the one Pub/Sub would.
            "push_config": {"push_endpoint": f"{push_base_url}/{push.function}"},
            "ack_deadline_seconds": push.ack_deadline_seconds,
            "dead_letter_policy": {
                "dead_letter_topic": dead_letter_topic,
                "max_delivery_attempts": push.max_delivery_attempts,
            },
            "retry_policy": {
                "minimum_backoff": duration_pb2.Duration(seconds=1),
                "maximum_backoff": duration_pb2.Duration(seconds=60),
            },
        }
        with contextlib.suppress(exceptions.AlreadyExists):
            subscriber.create_subscription(request=request)

    for pull in declared.pull_subscriptions.values():
        with contextlib.suppress(exceptions.AlreadyExists):
            subscriber.create_subscription(
                name=subscriber.subscription_path(project_id, pull.name),
                topic=publisher.topic_path(project_id, declared.topic(pull.topic)),
            )

    parent = f"projects/{project_id}/locations/{region}"
    for queue in declared.queues.values():
        with contextlib.suppress(exceptions.AlreadyExists):
            tasks.create_queue(
                parent=parent,
                queue=tasks_v2.Queue(
                    name=f"{parent}/queues/{queue.name}",
                    rate_limits=tasks_v2.RateLimits(
                        max_dispatches_per_second=queue.max_dispatches_per_second,
                        max_concurrent_dispatches=queue.max_concurrent_dispatches,
                    ),
                ),
            )
