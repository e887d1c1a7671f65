"""Every Google client Rapport uses, built lazily and once per process."""

from __future__ import annotations

import functools
import os
import typing
from typing import Any

import firebase_admin
from firebase_admin import credentials as firebase_credentials
from google.cloud import firestore

from shared.settings import get_settings

# Pub/Sub, Cloud Tasks, Cloud Storage and google-genai are imported where their client is built, so a
# function's cold start pays only for the clients it uses (bench/coldstart.py measures it).
if typing.TYPE_CHECKING:
    from google import genai
    from google.cloud import tasks_v2
    from google.cloud.pubsub_v1 import PublisherClient
    from google.cloud.storage import Client as StorageClient


@functools.cache
def firestore_client() -> firestore.Client:
    # FIRESTORE_EMULATOR_HOST, when set, routes this client to the emulator.
    return firestore.Client(project=get_settings().project_id)


@functools.cache
def publisher() -> PublisherClient:
    from google.cloud.pubsub_v1 import PublisherClient

    # PUBSUB_EMULATOR_HOST, when set, routes this client to the emulator.
    return PublisherClient()


def topic_path(topic: str) -> str:
    return publisher().topic_path(get_settings().project_id, topic)


@functools.cache
def tasks_client() -> tasks_v2.CloudTasksClient:
    from google.cloud import tasks_v2

    emulator = get_settings().tasks_emulator_host
    if emulator is None:
        return tasks_v2.CloudTasksClient()
    import grpc
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(emulator)))


@functools.cache
def storage_client() -> StorageClient:
    from google.cloud.storage import Client as StorageClient

    # STORAGE_EMULATOR_HOST, when set, routes this client to the emulator, which takes no credentials.
    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return StorageClient(project=get_settings().project_id, credentials=AnonymousCredentials())
    return StorageClient(project=get_settings().project_id)


def gmail_batch(service: Any, callback: Any) -> Any:
    """An HTTP batch for `service`. The client builds the batch URL from the discovery document's
    rootUrl and ignores `api_endpoint`, so an overridden endpoint needs its own batch URL."""
    endpoint = get_settings().gmail_api_endpoint
    if endpoint is None:
        return service.new_batch_http_request(callback=callback)
    from googleapiclient.http import BatchHttpRequest

    return BatchHttpRequest(callback=callback, batch_uri=f"{endpoint.rstrip('/')}/batch")


def gmail_service(credentials: Any) -> Any:
    """A Gmail API client for one user's credentials, built from the discovery document in the package."""
    from googleapiclient.discovery import build

    endpoint = get_settings().gmail_api_endpoint
    options = {"api_endpoint": endpoint} if endpoint else None
    return build(
        "gmail", "v1", credentials=credentials, client_options=options, cache_discovery=False, static_discovery=True
    )


def calendar_service(credentials: Any) -> Any:
    """A Calendar API client for one user's credentials. The local Google serves Calendar beside Gmail;
    an overridden endpoint replaces rootUrl and servicePath together, so it names the service path too."""
    from googleapiclient.discovery import build

    endpoint = get_settings().gmail_api_endpoint
    options = {"api_endpoint": f"{endpoint.rstrip('/')}/calendar/v3/"} if endpoint else None
    return build(
        "calendar", "v3", credentials=credentials, client_options=options, cache_discovery=False, static_discovery=True
    )


class _EmulatorCredential(firebase_credentials.Base):
    """firebase-admin insists on a credential object; the emulators ignore what it holds."""

    def get_credential(self) -> Any:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()


@functools.cache
def firebase_app() -> firebase_admin.App:
    settings = get_settings()
    options = {"projectId": settings.project_id}
    if os.environ.get("FIREBASE_AUTH_EMULATOR_HOST"):
        return firebase_admin.initialize_app(_EmulatorCredential(), options)
    return firebase_admin.initialize_app(options=options)


@functools.cache
def genai_client() -> genai.Client:
    """Vertex AI Gemini through google-genai, imported here so functions that never enrich don't load it."""
    from google import genai
    from google.genai import types

    settings = get_settings()
    location = settings.gemini_location or settings.region
    if settings.gemini_base_url is None:
        return genai.Client(vertexai=True, project=settings.project_id, location=location)
    from google.oauth2.credentials import Credentials

    # The local server takes any bearer token; anonymous credentials would make the SDK send none.
    return genai.Client(
        vertexai=True,
        project=settings.project_id,
        location=location,
        credentials=Credentials(token="local"),  # noqa: S106 (not a secret)
        http_options=types.HttpOptions(base_url=settings.gemini_base_url),
    )


def forget_clients() -> None:
    """Drops every client built so far; the next use builds it from the settings in force then.
    Only for processes that move between environments (the local tools); a function never needs it."""
    if firebase_app.cache_info().currsize:
        firebase_admin.delete_app(firebase_app())
    for factory in (firestore_client, publisher, tasks_client, storage_client, genai_client, firebase_app):
        factory.cache_clear()
