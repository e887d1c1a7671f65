# One service account per role, each with only what that role needs. Grants go on the single
# resource (topic, queue, secret, key, service account, function) wherever the API allows it; only
# Firestore, Vertex AI, the build's logs, images and source reads, and Eventarc receiving are project-wide. The grants to
# Gmail's push account and to the Pub/Sub service agent on topics and subscriptions are in pubsub.tf.

locals {
  service_accounts = {
    runtime   = { account_id = "rapport-functions", display_name = "Rapport functions runtime" }
    build     = { account_id = "rapport-functions-build", display_name = "Rapport functions build" }
    tasks     = { account_id = "rapport-tasks-invoker", display_name = "Rapport Cloud Tasks invoker" }
    scheduler = { account_id = "rapport-scheduler", display_name = "Rapport Cloud Scheduler invoker" }
    events    = { account_id = "rapport-events-invoker", display_name = "Rapport Pub/Sub and Eventarc invoker" }
  }

  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_service_account" "sa" {
  for_each = local.service_accounts

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = "${each.value.display_name} (${var.environment})"

  depends_on = [google_project_service.enabled]
}

# --- functions runtime -------------------------------------------------------------------------

# Firestore has no narrower grant than the database's project.
resource "google_project_iam_member" "runtime_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.sa["runtime"].member
}

# Vertex AI Gemini calls (google-genai with vertexai=True).
resource "google_project_iam_member" "runtime_vertex" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = google_service_account.sa["runtime"].member
}

# Only the runtime may wrap and unwrap refresh-token data keys.
resource "google_kms_crypto_key_iam_member" "runtime_refresh_tokens" {
  crypto_key_id = google_kms_crypto_key.refresh_tokens.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = google_service_account.sa["runtime"].member
}

resource "google_secret_manager_secret_iam_member" "runtime_oauth_client_secret" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.oauth_client_secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.sa["runtime"].member
}

resource "google_pubsub_topic_iam_member" "runtime_publish" {
  for_each = local.runtime_publish_topics

  project = var.project_id
  topic   = google_pubsub_topic.topic[each.key].name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.sa["runtime"].member
}

resource "google_cloud_tasks_queue_iam_member" "runtime_enqueue" {
  for_each = local.queues

  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.queue[each.key].name
  role     = "roles/cloudtasks.enqueuer"
  member   = google_service_account.sa["runtime"].member
}

# Tasks the runtime enqueues name the tasks invoker account for their OIDC token: that takes actAs on it.
resource "google_service_account_iam_member" "runtime_acts_as_tasks_invoker" {
  service_account_id = google_service_account.sa["tasks"].name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.sa["runtime"].member
}

# --- functions build ---------------------------------------------------------------------------

resource "google_project_iam_member" "build" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
    # Reads the uploaded source and the copy Cloud Functions stages in its own bucket.
    "roles/storage.objectViewer",
  ])

  project = var.project_id
  role    = each.value
  member  = google_service_account.sa["build"].member
}

# --- invokers ----------------------------------------------------------------------------------

# Eventarc triggers deliver as the events account (pubsub_delivery = "eventarc").
resource "google_project_iam_member" "events_receiver" {
  count = var.pubsub_delivery == "eventarc" ? 1 : 0

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.sa["events"].member
}

# Pub/Sub mints the push subscriptions' OIDC tokens as the events account.
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.sa["events"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Who may call which function: invoke rights are granted on each function's Cloud Run service.
locals {
  function_invokers = merge(
    { for key, f in local.pubsub_functions : "${key}/events" => { function = key, account = "events" } },
    { for pair, key in local.http_invokers : pair => { function = key, account = split("/", pair)[1] } },
  )
}

resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = local.function_invokers

  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.fn[each.value.function].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.sa[each.value.account].member
}
