locals {
  # The repository root: functions/, shared/, main.py, requirements.txt and the Firestore files live there.
  repo_root = abspath("${path.module}/../../..")

  # THE one declaration of topic, subscription, queue and function names. Nothing below repeats a name.
  resources = jsondecode(file("${path.module}/../../../shared/resources.json"))

  topics             = local.resources.topics
  push_subscriptions = try(local.resources.subscriptions, {})
  pull_subscriptions = try(local.resources.pull_subscriptions, {})
  queues             = try(local.resources.queues, {})

  dead_letter_topic_key = "dead_letter"
  gmail_topic_key       = "gmail_notifications"

  # Cloud Functions ids allow only [a-z0-9-]: the resources.json key, dashed (as devstack names subscriptions).
  # `audience` is the function's URL as RAPPORT_FUNCTIONS_BASE_URL/NAME: the OIDC audience every caller signs
  # for and the function checks (shared/identity.py). `internal` functions are called only by Pub/Sub,
  # Cloud Tasks or Cloud Scheduler of this project, so their ingress is internal.
  functions = {
    for key, f in local.resources.functions : key => {
      id              = replace(key, "_", "-")
      trigger         = f.trigger
      entry_point     = f.entry_point
      topic_key       = try(f.topic, null)
      invoker         = try(f.invoker, null)
      service_account = f.service_account
      audience        = "${local.functions_base_url}/${replace(key, "_", "-")}"
      internal        = f.trigger == "pubsub" || contains(["tasks", "scheduler"], try(f.invoker, ""))
      settings        = merge(var.function_defaults, { for k, v in try(var.function_overrides[key], {}) : k => v if v != null })
    }
  }

  pubsub_functions = { for key, f in local.functions : key => f if f.trigger == "pubsub" }
  http_functions   = { for key, f in local.functions : key => f if f.trigger == "http" }

  # Who may invoke each HTTP function: the invoker named in resources.json.
  http_invokers = merge(
    { for key, f in local.http_functions : "${key}/tasks" => key if f.invoker == "tasks" },
    { for key, f in local.http_functions : "${key}/scheduler" => key if f.invoker == "scheduler" },
  )


  # Topics the functions publish to: every declared topic except the one Gmail feeds and the dead-letter topic.
  runtime_publish_topics = { for key, name in local.topics : key => name if !contains([local.gmail_topic_key, local.dead_letter_topic_key], key) }

  functions_base_url = "https://${var.region}-${var.project_id}.cloudfunctions.net"

  # Environment of every function: the RAPPORT_* settings of shared/settings.py. The OAuth client secret is
  # mounted from Secret Manager separately (functions.tf), on the functions whose account may read it, and
  # never appears here. The accounts the callers sign as follow from resources.json and the project id.
  function_environment = merge(
    var.extra_environment_variables,
    {
      RAPPORT_PROJECT_ID         = var.project_id
      RAPPORT_REGION             = var.region
      RAPPORT_FUNCTIONS_BASE_URL = local.functions_base_url
      RAPPORT_OAUTH_CLIENT_ID    = var.oauth_client_id
      RAPPORT_KMS_KEY_NAME       = google_kms_crypto_key.refresh_tokens.id
      RAPPORT_TAKEOUT_BUCKET     = google_storage_bucket.takeout.name
      # The Gmail add-on's caller (addon.tf); its OAuth client id comes through extra_environment_variables.
      RAPPORT_ADDON_SERVICE_AGENT = local.addon_service_agent
    },
  )

  # Files of the deployed source: the function adapters, the shared package, the entry module and the pins.
  source_files = sort(distinct(concat(
    [for f in fileset(local.repo_root, "functions/**") : f if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")],
    [for f in fileset(local.repo_root, "shared/**") : f if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")],
    tolist(fileset(local.repo_root, "main.py")),
    tolist(fileset(local.repo_root, "requirements.txt")),
  )))

  firestore_indexes_file = jsondecode(file("${local.repo_root}/firestore.indexes.json"))

  firestore_indexes = {
    for index in try(local.firestore_indexes_file.indexes, []) :
    join("|", concat(
      [index.collectionGroup, try(index.queryScope, "COLLECTION")],
      [for field in index.fields : "${field.fieldPath}:${try(field.order, try(field.arrayConfig, "VECTOR"))}"],
    )) => index
  }

  firestore_field_overrides = {
    for override in try(local.firestore_indexes_file.fieldOverrides, []) :
    "${override.collectionGroup}|${override.fieldPath}" => override
  }

  labels = merge(var.labels, {
    app         = "rapport"
    environment = var.environment
  })

  hosting_site_id = coalesce(var.hosting_site_id, var.project_id)
}
