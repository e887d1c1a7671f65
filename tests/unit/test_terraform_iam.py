"""The deployment's service accounts, read from terraform/modules/rapport itself (python-hcl2): every
function runs as the account shared/resources.json gives it, and only the functions that redeem,
refresh or revoke Gmail grants can unwrap a refresh token or read the OAuth client secret.

Grants name their account literally or through a for_each over a list in iam.tf's locals or over
every runtime account; a grant in any other shape fails here rather than going unchecked."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from shared.resources import resources

MODULE = Path(__file__).resolve().parents[2] / "terraform/modules/rapport"
DECRYPT_ROLES = {"roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/cloudkms.cryptoKeyDecrypter", "roles/owner"}
SECRET_ROLES = {"roles/secretmanager.secretAccessor", "roles/secretmanager.admin", "roles/owner"}
# The functions that hold Gmail grants: they redeem a code (oauth-callback), refresh a token to read or
# stop a watch (sync-mailbox, fetch-messages, renew-watches, disconnect-gmail) or revoke one (disconnect-gmail).
# `invitations` and `invitation` open the inviter's grant to mail an invitation from their Gmail (decision 23).
# `sync-calendar` refreshes the same grant to read the owner's calendar and open its push channel (decision 37).
GRANT_HOLDERS = {
    "sync-calendar",
    "oauth-callback",
    "disconnect-gmail",
    "sync-mailbox",
    "fetch-messages",
    "renew-watches",
    "invitations",
    "invitation",
}

_ACCOUNT = re.compile(r"^\$\{google_service_account\.sa\[(?P<key>[^\]]+)\]\.(member|email)\}$")
_LOCAL_LIST = re.compile(r"^\$\{(toset\()?local\.(?P<name>\w+)\)?\}$")


@cache
def module() -> dict[str, Any]:
    options = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
    merged: dict[str, Any] = {"resource": [], "locals": []}
    for path in sorted(MODULE.glob("*.tf")):
        with path.open() as file:
            parsed = hcl2.load(file, serialization_options=options)
        for kind in merged:
            merged[kind].extend(parsed.get(kind, []))
    return merged


def module_locals() -> dict[str, Any]:
    return {name: value for block in module()["locals"] for name, value in block.items()}


def resources_of(type_: str) -> dict[str, dict[str, Any]]:
    return {name: body for block in module()["resource"] for name, body in block.get(type_, {}).items()}


def iam_grants() -> list[tuple[str, str, str]]:
    """(resource, role, account key) for every IAM member grant to one of the module's service accounts."""
    grants = []
    for block in module()["resource"]:
        for type_, named in block.items():
            if not type_.endswith("_iam_member"):
                continue
            for name, body in named.items():
                member = _ACCOUNT.match(str(body["member"]))
                if member is None:
                    continue  # Google's own agents (Gmail's push account, the Pub/Sub service agent)
                for account in _accounts(member.group("key"), body.get("for_each"), f"{type_}.{name}"):
                    grants.append((f"{type_}.{name}", str(body["role"]), account))
    return grants


def _accounts(key: str, for_each: object, where: str) -> list[str]:
    runtime = list(resources().service_accounts)
    if key.startswith('"'):
        return [key.strip('"')]
    if key in ("each.key", "each.value.account"):
        named = _LOCAL_LIST.match(str(for_each))
        if named is not None:
            value = module_locals().get(named.group("name"))
            if isinstance(value, list):
                return [str(item) for item in value]
            if named.group("name") in ("runtime_accounts", "runtime_publishes", "runtime_enqueues"):
                return runtime  # a for_each over every runtime account (or every account × topic or queue)
            if named.group("name") == "function_invokers":
                return list(resources().callers)  # run.invoker for Pub/Sub, Cloud Tasks and Scheduler
    raise AssertionError(f"{where}: cannot tell which account `{key}` over `{for_each}` grants to")


def roles_by_account() -> dict[str, set[str]]:
    roles: dict[str, set[str]] = defaultdict(set)
    for _, role, account in iam_grants():
        roles[account].add(role)
    return roles


def test_every_function_runs_as_the_account_resources_json_gives_it():
    declared = resources()
    functions = resources_of("google_cloudfunctions2_function")["fn"]
    service = functions["service_config"][0]
    assert service["service_account_email"] == "${google_service_account.sa[each.value.service_account].email}"
    assert "service_account = f.service_account" in str(module_locals()["functions"]).replace("  ", " ")
    accounts = resources_of("google_service_account")["sa"]
    assert accounts["for_each"] == "${local.service_accounts}"
    for name, function in declared.functions.items():
        assert function.service_account in declared.service_accounts, name
    assert set(declared.service_accounts).isdisjoint(declared.callers)


def test_only_the_functions_holding_gmail_grants_can_unwrap_refresh_tokens_or_read_the_client_secret():
    roles = roles_by_account()
    for name, function in resources().functions.items():
        held = roles.get(function.service_account, set())
        if name in GRANT_HOLDERS:
            assert "roles/cloudkms.cryptoKeyEncrypterDecrypter" in held, name
            assert "roles/secretmanager.secretAccessor" in held, name
        else:
            assert not held & DECRYPT_ROLES, f"{name} runs as {function.service_account}, which can decrypt"
            assert not held & SECRET_ROLES, f"{name} runs as {function.service_account}, which reads secrets"


def test_the_public_api_account_may_seal_but_never_unwrap_and_never_reads_the_client_secret():
    public = {f.service_account for n, f in resources().functions.items() if f.invoker == "public"} - {
        resources().functions[name].service_account for name in GRANT_HOLDERS
    }
    assert public == {"api"}
    held = roles_by_account()["api"]
    assert "roles/cloudkms.cryptoKeyEncrypter" in held  # connect-gmail seals the PKCE verifier
    assert not held & DECRYPT_ROLES
    assert not held & SECRET_ROLES
    assert not {role for role in held if role.startswith("roles/cloudkms.") and "Decrypt" in role}


def test_the_client_secret_is_mounted_only_on_functions_whose_account_reads_it():
    service = resources_of("google_cloudfunctions2_function")["fn"]["service_config"][0]
    assert "secret_environment_variables" not in service, "mounted on every function"
    dynamic = {name: body for block in service.get("dynamic", []) for name, body in block.items()}
    mount = dynamic["secret_environment_variables"]
    assert mount["for_each"].startswith("${contains(local.oauth_client_secret_readers, each.value.service_account) ?")
    assert mount["content"][0]["key"] == "RAPPORT_OAUTH_CLIENT_SECRET"
    readers = {account for _, role, account in iam_grants() if role in SECRET_ROLES}
    assert readers == set(module_locals()["oauth_client_secret_readers"])


def test_callers_sign_for_the_function_url_and_internal_functions_take_internal_ingress():
    functions = module_locals()["functions"]
    assert 'audience = "${local.functions_base_url}/' in str(functions).replace("  ", " ")
    push = resources_of("google_pubsub_subscription")["push"]["push_config"][0]["oidc_token"][0]
    assert push == {
        "service_account_email": '${google_service_account.sa["pubsub"].email}',
        "audience": "${local.functions[each.value.function].audience}",
    }
    queue = resources_of("google_cloud_tasks_queue")["queue"]["dynamic"][0]["http_target"]["content"][0]
    assert queue["oidc_token"][0] == {
        "service_account_email": '${google_service_account.sa["tasks"].email}',
        "audience": "${local.functions[http_target.value].audience}",
    }
    job = resources_of("google_cloud_scheduler_job")["scheduled"]["http_target"][0]["oidc_token"][0]
    assert job == {
        "service_account_email": '${google_service_account.sa["scheduler"].email}',
        "audience": "${local.functions[each.key].audience}",
    }
    service = resources_of("google_cloudfunctions2_function")["fn"]["service_config"][0]
    assert service["ingress_settings"] == '${each.value.internal ? "ALLOW_INTERNAL_ONLY" : var.public_ingress_settings}'


def test_only_the_takeout_account_reads_uploads_and_only_the_api_opens_them():
    bucket_grants = [(role, account) for where, role, account in iam_grants() if "google_storage_bucket_iam" in where]
    assert sorted(bucket_grants) == [("roles/storage.objectCreator", "api"), ("roles/storage.objectViewer", "takeout")]
    assert resources().functions["import-takeout"].service_account == "takeout"
    assert resources().functions["takeout-uploads"].service_account == "api"
    takeout_roles = roles_by_account()["takeout"]
    assert not takeout_roles & (DECRYPT_ROLES | SECRET_ROLES)
    assert not any(role.startswith("roles/storage.") and role != "roles/storage.objectViewer" for role in takeout_roles)
    bucket = resources_of("google_storage_bucket")["takeout"]
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["uniform_bucket_level_access"] is True
    notification = resources_of("google_storage_notification")["takeout_uploaded"]
    assert notification["event_types"] == ["OBJECT_FINALIZE"]
    assert notification["object_name_prefix"] == "takeout/"
