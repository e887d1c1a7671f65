# One Cloud Functions (gen2) function per entry of resources.json "functions", all built from one
# source archive of the repository's functions/, shared/, main.py and requirements.txt.

data "archive_file" "source" {
  type             = "zip"
  output_path      = "${path.root}/.build/rapport-functions-source.zip"
  output_file_mode = "0644" # the same bytes, so the same hash, whatever the checkout's umask

  dynamic "source" {
    for_each = local.source_files

    content {
      filename = source.value
      content  = file("${local.repo_root}/${source.value}")
    }
  }
}

resource "google_storage_bucket" "source" {
  # checkov:skip=CKV_GCP_62:Holds only the source archives terraform uploads; who changed them is in the Admin Activity audit log, and an access-log bucket would log nothing else.
  # checkov:skip=CKV_GCP_78:Archives are named by their content hash and never overwritten, so versions would only duplicate them.
  project                     = var.project_id
  name                        = "${var.project_id}-rapport-functions-source"
  location                    = local.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  # Archives are named by content hash; old ones are only history.
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_object" "source" {
  # A new name for new content, so every code change redeploys the functions.
  name   = "rapport-functions-${data.archive_file.source.output_sha256}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path

  lifecycle {
    precondition {
      condition     = contains(local.source_files, "main.py") && contains(local.source_files, "requirements.txt")
      error_message = "The function source needs main.py (exporting every entry_point of shared/resources.json) and requirements.txt at the repository root."
    }
  }
}

resource "google_cloudfunctions2_function" "fn" {
  # checkov:skip=CKV_GCP_124:Internal functions take ALLOW_INTERNAL_ONLY; the public ones must take ALLOW_ALL, since Firebase Hosting's rewrites and Google's OAuth redirect arrive from outside (tests/unit/test_terraform_deployment.py).
  for_each = local.functions

  project     = var.project_id
  name        = each.value.id
  location    = local.region
  description = "Rapport ${each.key} (${each.value.trigger})"
  labels      = local.labels

  build_config {
    runtime         = var.python_runtime
    entry_point     = each.value.entry_point
    service_account = google_service_account.sa["build"].id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = each.value.settings.available_memory
    available_cpu                    = each.value.settings.available_cpu
    timeout_seconds                  = each.value.trigger == "http" ? each.value.settings.timeout_seconds : min(each.value.settings.timeout_seconds, 540)
    min_instance_count               = each.value.settings.min_instances
    max_instance_count               = each.value.settings.max_instances
    max_instance_request_concurrency = each.value.settings.concurrency
    # Pub/Sub push, Cloud Tasks and Cloud Scheduler of the same project count as internal traffic for
    # Cloud Run, so only the functions the browser calls (through Hosting) take the public setting.
    ingress_settings               = each.value.internal ? "ALLOW_INTERNAL_ONLY" : var.public_ingress_settings
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.sa[each.value.service_account].email
    environment_variables          = local.function_environment

    # The OAuth client secret only where it is used: the functions whose account may read it.
    dynamic "secret_environment_variables" {
      for_each = contains(local.oauth_client_secret_readers, each.value.service_account) ? [google_secret_manager_secret.oauth_client_secret.secret_id] : []

      content {
        key        = "RAPPORT_OAUTH_CLIENT_SECRET"
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  # Eventarc delivery (pubsub_delivery = "eventarc"): Eventarc owns the subscription.
  dynamic "event_trigger" {
    for_each = each.value.trigger == "pubsub" && var.pubsub_delivery == "eventarc" ? [each.value.topic_key] : []

    content {
      trigger_region        = local.region
      event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
      pubsub_topic          = google_pubsub_topic.topic[event_trigger.value].id
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = google_service_account.sa["pubsub"].email
    }
  }

  lifecycle {
    precondition {
      condition     = contains(["http", "pubsub"], each.value.trigger)
      error_message = "Function ${each.key}: trigger must be http or pubsub."
    }
    precondition {
      condition     = each.value.trigger != "pubsub" || contains(keys(local.topics), coalesce(each.value.topic_key, "-"))
      error_message = "Function ${each.key}: a pubsub function must name a topic key of shared/resources.json."
    }
    precondition {
      condition     = contains(keys(local.runtime_accounts), each.value.service_account)
      error_message = "Function ${each.key}: service_account must be a key of service_accounts in shared/resources.json."
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_project_iam_member.build,
    google_project_iam_member.events_receiver,
    google_secret_manager_secret_iam_member.oauth_client_secret_readers,
    google_kms_crypto_key_iam_member.refresh_token_sealers,
    google_kms_crypto_key_iam_member.refresh_token_readers,
  ]
}
