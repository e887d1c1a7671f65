"""The deployment, read from terraform/ itself (python-hcl2) and held against the code it deploys.

No machine here reaches Google, so `terraform plan` cannot prove the deployment would start and serve;
these checks stand in for it. Each guards a defect the deployment once had (docs/deploy.md): settings
shared/settings.py requires but terraform never set, public functions without an invoker binding (so
Hosting's rewrites and Google's OAuth redirect got 403), rewrites that named no region, and environments
that were copies of each other rather than one root with their own tfvars. The service accounts' grants
are tests/unit/test_terraform_iam.py's."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from shared.resources import resources
from shared.settings import Settings
from tests.unit.test_terraform_iam import module, module_locals, resources_of, roles_by_account

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
DEPLOYMENT = TERRAFORM / "deployment"
ENVIRONMENTS = TERRAFORM / "environments"
PUBLIC_MEMBERS = {"allUsers", "allAuthenticatedUsers"}
# What each account may do, and nothing more; a new grant is a decision, made here as well as in iam.tf.
ROLES = {
    "api": {
        "roles/datastore.user",
        "roles/pubsub.publisher",
        "roles/cloudtasks.enqueuer",
        "roles/iam.serviceAccountUser",
        "roles/cloudkms.cryptoKeyEncrypter",
        "roles/storage.objectCreator",
        "roles/aiplatform.user",  # mail search embeds the question (functions/mail_search.py)
    },
    "gmail": {
        "roles/datastore.user",
        "roles/pubsub.publisher",
        "roles/cloudtasks.enqueuer",
        "roles/iam.serviceAccountUser",
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "roles/secretmanager.secretAccessor",
    },
    "pipeline": {
        "roles/datastore.user",
        "roles/pubsub.publisher",
        "roles/cloudtasks.enqueuer",
        "roles/iam.serviceAccountUser",
        "roles/aiplatform.user",
    },
    "takeout": {
        "roles/datastore.user",
        "roles/pubsub.publisher",
        "roles/cloudtasks.enqueuer",
        "roles/iam.serviceAccountUser",
        "roles/storage.objectViewer",
    },
    "pubsub": {"roles/run.invoker", "roles/eventarc.eventReceiver"},
    "tasks": {"roles/run.invoker"},
    "scheduler": {"roles/run.invoker"},
}


def parse(path: Path) -> dict[str, Any]:
    options = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
    with path.open() as file:
        return dict(hcl2.load(file, serialization_options=options))


def every_block(kind: str, directory: Path) -> list[dict[str, Any]]:
    return [block for path in sorted(directory.glob("*.tf")) for block in parse(path).get(kind, [])]


def deployed_environment(project_id: str = "rapport-example", site: str = "rapport-example") -> dict[str, str]:
    """The RAPPORT_* variables every function gets, with the module's expressions worked out for one project."""
    locals_ = module_locals()
    expression = str(locals_["function_environment"])
    assert expression.startswith("${merge(var.extra_environment_variables, {"), expression
    assignments = dict(re.findall(r"(RAPPORT_\w+) = ([^,}]+)", expression))
    region = resources().region
    known = {
        "var.project_id": project_id,
        "local.region": region,
        "local.functions_base_url": f"https://{region}-{project_id}.cloudfunctions.net",
        "var.oauth_client_id": "1-abc.apps.googleusercontent.com",
        "local.web_app_url": f"https://{site}.web.app",
        "local.oauth_redirect_uri": f"https://{site}.web.app/api/oauth-callback",
        "google_kms_crypto_key.refresh_tokens.id": f"projects/{project_id}/locations/{region}/keyRings/r/cryptoKeys/k",
        "google_storage_bucket.takeout.name": f"{project_id}-takeout",
        "local.addon_service_agent": "service-123@gcp-sa-gsuiteaddons.iam.gserviceaccount.com",
    }
    unknown = sorted(value for value in assignments.values() if value not in known)
    assert not unknown, f"add to this test what terraform gives: {unknown}"
    # The locals the stand-ins above replace must still say what the stand-ins assume.
    assert locals_["functions_base_url"] == "https://${local.region}-${var.project_id}.cloudfunctions.net"
    assert locals_["web_app_url"] == '${coalesce(var.web_app_url, "https://${local.hosting_site_id}.web.app")}'
    assert locals_["oauth_redirect_uri"] == "${local.web_app_url}/api/oauth-callback"
    return {name: known[value] for name, value in assignments.items()}


def test_every_function_gets_every_setting_it_requires_and_starts_with_them(monkeypatch):
    service = resources_of("google_cloudfunctions2_function")["fn"]["service_config"][0]
    assert service["environment_variables"] == "${local.function_environment}"  # the same for every function
    environment = deployed_environment()
    required = {f"RAPPORT_{name.upper()}" for name, field in Settings.model_fields.items() if field.is_required()}
    assert required <= set(environment), f"never set by terraform: {sorted(required - set(environment))}"
    for name in [name for name in os.environ if name.startswith("RAPPORT_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # what a deployed function builds at its first request
    assert settings.oauth_redirect_uri.endswith("/api/oauth-callback")
    assert settings.function_url("sync-mailbox") == f"{environment['RAPPORT_FUNCTIONS_BASE_URL']}/sync-mailbox"


def test_the_oauth_redirect_is_hostings_rewrite_to_the_callback_function():
    rewrites = json.loads((ROOT / "firebase.json").read_text())["hosting"]["rewrites"]
    callback = deployed_environment()["RAPPORT_OAUTH_REDIRECT_URI"]
    path = "/" + callback.split("/", 3)[3]
    assert [rule["function"]["functionId"] for rule in rewrites if re.fullmatch(rule.get("regex", "$^"), path)] == [
        "oauth-callback"
    ]


@pytest.mark.parametrize(
    ("type_", "name", "for_each", "declared"),
    [
        ("google_pubsub_topic", "topic", "${local.topics}", "topics"),
        ("google_pubsub_subscription", "pull", "${local.pull_subscriptions}", "pull_subscriptions"),
        (
            "google_pubsub_subscription",
            "push",
            '${var.pubsub_delivery == "push_subscription" ? local.push_subscriptions : {}}',
            "subscriptions",
        ),
        ("google_cloud_tasks_queue", "queue", "${local.queues}", "queues"),
        ("google_cloudfunctions2_function", "fn", "${local.functions}", "functions"),
    ],
)
def test_each_declared_resource_exists_in_terraform_and_nothing_else_does(type_, name, for_each, declared):
    # One resource block per kind, over resources.json's entries: everything declared exists, nothing else.
    blocks = resources_of(type_)
    assert blocks[name]["for_each"] == for_each
    assert "count" not in blocks[name]
    source = {
        "topics": "${local.resources.topics}",
        "pull_subscriptions": "${try(local.resources.pull_subscriptions, {})}",
        "subscriptions": "${try(local.resources.subscriptions, {})}",
        "queues": "${try(local.resources.queues, {})}",
    }
    locals_ = module_locals()
    local_name = for_each.split("local.")[-1].rstrip("}").split(" ")[0]
    if declared in source:
        assert locals_[local_name] == source[declared]
    else:
        assert str(locals_["functions"]).startswith("${{for key, f in local.resources.functions : key => {")
    assert getattr(resources(), declared), f"resources.json declares no {declared}"


def test_only_the_declared_kinds_of_resource_are_created_per_entry():
    kinds = {
        "google_pubsub_topic": {"topic"},
        "google_pubsub_subscription": {"push", "pull"},
        "google_cloud_tasks_queue": {"queue"},
        "google_cloudfunctions2_function": {"fn"},
        "google_cloud_scheduler_job": {"scheduled"},
    }
    for type_, names in kinds.items():
        assert set(resources_of(type_)) == names, type_


def test_a_scheduler_job_exists_for_each_scheduled_function_and_no_other():
    job = resources_of("google_cloud_scheduler_job")["scheduled"]
    assert job["for_each"] == "${local.scheduled_functions}"
    expression = str(module_locals()["scheduled_functions"])
    assert "local.resources.functions" in expression or "local.functions" in expression
    assert "schedule" in expression
    scheduled = {name for name, f in resources().functions.items() if f.schedule}
    assert scheduled
    assert all(resources().functions[name].invoker == "scheduler" for name in scheduled)


def test_only_public_functions_are_open_to_all_and_each_of_them_is():
    grants = [
        (type_, name, body)
        for block in module()["resource"]
        for type_, named in block.items()
        if "_iam_" in type_
        for name, body in named.items()
        if {str(body.get("member", "")), *map(str, body.get("members", []))} & PUBLIC_MEMBERS
    ]
    assert [(type_, name) for type_, name, _ in grants] == [("google_cloud_run_service_iam_member", "public_invoker")]
    grant = grants[0][2]
    assert grant["role"] == "roles/run.invoker"
    assert grant["for_each"] == "${local.public_functions}"
    public_rule = '${{for key, f in local.http_functions : key => f if f.invoker == "public"}}'
    assert module_locals()["public_functions"] == public_rule
    public = {name for name, f in resources().functions.items() if f.trigger == "http" and f.invoker == "public"}
    assert "oauth-callback" in public  # Google's redirect carries no identity
    assert all(resources().functions[name].caller is None for name in public)


def test_internal_functions_take_internal_ingress_and_exactly_the_callers_their_handlers_verify():
    locals_ = module_locals()
    internal_rule = 'internal = f.trigger == "pubsub" || contains(["tasks", "scheduler"], try(f.invoker, ""))'
    assert internal_rule in str(locals_["functions"])
    for name, function in resources().functions.items():
        internal = function.trigger == "pubsub" or function.invoker in ("tasks", "scheduler")
        # shared/identity.py requires an OIDC token of `caller` exactly where terraform makes the function internal.
        assert internal == (function.caller is not None), name
        assert re.fullmatch(r"[a-z0-9-]+", name), f"{name}: its id and audience would differ from its key"
    invokers = str(locals_["function_invokers"])
    assert '"${key}/pubsub" => {function = key, account = "pubsub"}' in invokers
    assert "for key, f in local.pubsub_functions" in invokers
    http_invokers = str(locals_["http_invokers"])
    assert 'if f.invoker == "tasks"' in http_invokers
    assert 'if f.invoker == "scheduler"' in http_invokers
    service = resources_of("google_cloudfunctions2_function")["fn"]["service_config"][0]
    assert service["ingress_settings"].startswith('${each.value.internal ? "ALLOW_INTERNAL_ONLY"')


def test_each_service_account_holds_exactly_the_roles_its_functions_use():
    held = {account: roles for account, roles in roles_by_account().items() if account != "build"}
    assert held == ROLES


def test_the_region_comes_from_resources_json_alone():
    assert module_locals()["region"] == "${local.resources.region}"
    for path in sorted(TERRAFORM.rglob("*.tf")):
        text = path.read_text()
        assert "var.region" not in text, f"{path}: the region is local.region, read from shared/resources.json"
        assert not re.search(r'"(europe|us|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d"', text), path
    rewrites = json.loads((ROOT / "firebase.json").read_text())["hosting"]["rewrites"]
    functions = [rule["function"] for rule in rewrites if "function" in rule]
    assert functions
    assert all(function["region"] == resources().region for function in functions)


def test_environments_share_one_root_and_differ_only_by_tfvars():
    roots = sorted({path.parent for path in TERRAFORM.rglob("*.tf") if 'module "rapport"' in path.read_text()})
    assert roots == [DEPLOYMENT]
    (call,) = [block["rapport"] for block in every_block("module", DEPLOYMENT)]
    assert call["source"] == "../modules/rapport"
    root_variables = {name: body for block in every_block("variable", DEPLOYMENT) for name, body in block.items()}
    module_variables = {name for block in every_block("variable", TERRAFORM / "modules/rapport") for name in block}
    passed = {key for key in call if key != "source"}
    assert passed <= module_variables
    assert all(call[name] == f"${{var.{name}}}" for name in passed), "the root only passes its variables on"
    assert set(root_variables) == passed
    tfvars = {path.stem: parse(path) for path in sorted(ENVIRONMENTS.glob("*.tfvars"))}
    assert set(tfvars) == {"dev", "prod"}
    assert tfvars["dev"].keys() == tfvars["prod"].keys()
    project = parse(ENVIRONMENTS / "project.tfvars.example")
    assert not set(project) & set(tfvars["dev"]), "a setting is either the environment's or the project's"
    unset = {name for name, body in root_variables.items() if "default" not in body} - set(tfvars["dev"]) - set(project)
    assert not unset, f"required but set by no tfvars: {sorted(unset)}"
    assert {name for name in tfvars["dev"] | project} <= set(root_variables)
    assert [tfvars[env]["environment"] for env in ("dev", "prod")] == ["dev", "prod"]


def test_operations_alert_on_dead_letters_errors_sync_lag_and_ai_spend_and_chart_the_pipeline():
    policies = resources_of("google_monitoring_alert_policy")
    assert set(policies) >= {"dead_letters", "error_rate", "sync_lag"}
    for name, policy in policies.items():
        assert policy["notification_channels"] == "${var.alert_notification_channels}", name
    error_rate = policies["error_rate"]["conditions"][0]["condition_threshold"][0]
    assert 'response_code_class="5xx"' in error_rate["filter"]
    assert "denominator_filter" in error_rate
    sync_lag = policies["sync_lag"]["conditions"][0]["condition_threshold"][0]["filter"]
    assert "cloudtasks.googleapis.com/queue/depth" in sync_lag
    queue_names = str(module_locals()["sync_queue_name"]) + str(module_locals()["fetch_queue_name"])
    assert "mailbox_sync" in queue_names
    assert "mailbox_fetch" in queue_names
    assert {"mailbox_sync", "mailbox_fetch"} <= set(resources().queues)
    budget = resources_of("google_billing_budget")["ai_spend"]
    assert budget["budget_filter"][0]["services"] == ["services/${var.vertex_ai_billing_service_id}"]
    assert budget["all_updates_rule"][0]["monitoring_notification_channels"] == "${var.alert_notification_channels}"
    assert "pipeline" in resources_of("google_monitoring_dashboard")
