"""Typed view of shared/resources.json, the one declaration of topic, queue and function names."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

RESOURCES_FILE = Path(__file__).with_name("resources.json")


class PushSubscription(BaseModel):
    model_config = ConfigDict(frozen=True)
    topic: str
    function: str
    ack_deadline_seconds: int
    max_delivery_attempts: int


class PullSubscription(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    topic: str


class Queue(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    function: str
    max_dispatches_per_second: float
    max_concurrent_dispatches: int


class ServiceAccount(BaseModel):
    model_config = ConfigDict(frozen=True)
    account_id: str
    display_name: str
    duty: str | None = None

    def email(self, project_id: str) -> str:
        return f"{self.account_id}@{project_id}.iam.gserviceaccount.com"


class Function(BaseModel):
    model_config = ConfigDict(frozen=True)
    trigger: str
    entry_point: str
    service_account: str  # a key of service_accounts: what the function runs as
    topic: str | None = None
    invoker: str | None = None
    schedule: str | None = None  # cron, for functions Cloud Scheduler calls

    @property
    def caller(self) -> str | None:
        """The key of `callers` whose OIDC token this function requires; None for a public function."""
        if self.trigger == "pubsub":
            return "pubsub"
        return self.invoker if self.invoker in ("tasks", "scheduler") else None


class Resources(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    region: str  # where the functions, queues and scheduler jobs are deployed; Hosting's rewrites name it
    topics: dict[str, str]
    subscriptions: dict[str, PushSubscription]
    pull_subscriptions: dict[str, PullSubscription]
    queues: dict[str, Queue]
    service_accounts: dict[str, ServiceAccount]
    callers: dict[str, ServiceAccount]
    functions: dict[str, Function]

    def topic(self, key: str) -> str:
        return self.topics[key]


@functools.cache
def resources() -> Resources:
    return Resources.model_validate(json.loads(RESOURCES_FILE.read_text()))
