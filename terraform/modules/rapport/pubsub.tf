# Topics, subscriptions and their names come from shared/resources.json (local.resources).

resource "google_pubsub_topic" "topic" {
  # checkov:skip=CKV_GCP_83:Messages are encrypted at rest by Google and kept at most 7 days; a customer key would put a KMS call on every publish and the pipeline's availability on the key's.
  for_each = local.topics

  project = var.project_id
  name    = each.value
  labels  = local.labels

  depends_on = [google_project_service.enabled]
}

# Gmail's push service publishes users.watch notifications to this topic, and only to it.
resource "google_pubsub_topic_iam_member" "gmail_push_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.topic[local.gmail_topic_key].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
}

# Push subscriptions to the pubsub-triggered functions (pubsub_delivery = "push_subscription").
# Named after their resources.json key, dashed, like devstack names them on the emulator.
resource "google_pubsub_subscription" "push" {
  for_each = var.pubsub_delivery == "push_subscription" ? local.push_subscriptions : {}

  project              = var.project_id
  name                 = replace(each.key, "_", "-")
  topic                = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds = each.value.ack_deadline_seconds
  labels               = local.labels

  push_config {
    push_endpoint = google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri

    # Signed as the pubsub caller account for the function's URL: Cloud Run IAM checks the account, and
    # the function checks the token again (shared/identity.py).
    oidc_token {
      service_account_email = google_service_account.sa["pubsub"].email
      audience              = local.functions[each.value.function].audience
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.topic[local.dead_letter_topic_key].id
    max_delivery_attempts = try(each.value.max_delivery_attempts, var.default_max_delivery_attempts)
  }

  retry_policy {
    minimum_backoff = var.push_retry_backoff.minimum
    maximum_backoff = var.push_retry_backoff.maximum
  }

  # Never expire for inactivity: a quiet week must not delete the subscription.
  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_service_iam_member.invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

# Dead-lettering needs the Pub/Sub service agent to publish to the dead-letter topic and to
# acknowledge on the source subscriptions.
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  count = var.pubsub_delivery == "push_subscription" && length(local.push_subscriptions) > 0 ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.topic[local.dead_letter_topic_key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_dead_letter_subscriber" {
  for_each = google_pubsub_subscription.push

  project      = var.project_id
  subscription = each.value.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# Pull subscriptions (e.g. the one that holds dead letters for inspection and replay).
resource "google_pubsub_subscription" "pull" {
  for_each = local.pull_subscriptions

  project                    = var.project_id
  name                       = each.value.name
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

# The functions check that a delivery's OIDC token names RAPPORT_FUNCTIONS_BASE_URL/NAME as audience;
# Eventarc signs for the Cloud Run URL instead, so its deliveries would all be refused.
check "eventarc_deliveries_would_be_refused" {
  assert {
    condition     = var.pubsub_delivery != "eventarc"
    error_message = "pubsub_delivery = \"eventarc\": Eventarc's tokens carry the Cloud Run URL as audience, which the pubsub functions refuse (shared/identity.py). Use push_subscription."
  }
}
