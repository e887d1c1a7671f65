# One service account per duty, each with only what that duty needs. Grants go on the single
# resource (topic, queue, secret, key, service account, function) wherever the API allows it; only
# Firestore, Vertex AI, the build's logs, images and source reads, and Eventarc receiving are project-wide. The grants to
# Gmail's push account and to the Pub/Sub service agent on topics and subscriptions are in pubsub.tf.
#
# The accounts the functions run as and the accounts their callers sign as come from shared/resources.json
# ("service_accounts", "callers"); each function names its own account there. The functions check their
# callers' OIDC tokens against the same declaration (shared/identity.py).

locals {
  runtime_accounts = local.resources.service_accounts
  caller_accounts  = local.resources.callers

  service_accounts = merge(
    { for key, account in local.runtime_accounts : key => { account_id = account.account_id, display_name = account.display_name } },
    { for key, account in local.caller_accounts : key => { account_id = account.account_id, display_name = account.display_name } },
    { build = { account_id = "rapport-functions-build", display_name = "Rapport functions build" } },
  )

  # Who holds what is sensitive, by runtime account key. The public API seals new secrets (the PKCE
  # verifier of a consent in flight) but can never unwrap a refresh token, nor read the OAuth client
  # secret: only the account of the functions that redeem, refresh and revoke Gmail grants can.
  refresh_token_sealers       = ["api"]
  refresh_token_readers       = ["gmail"]
  oauth_client_secret_readers = ["gmail"]
  vertex_ai_users             = ["pipeline", "api"] # api: mail search embeds the question

  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  runtime_publishes = {
    for pair in setproduct(keys(local.runtime_accounts), keys(local.runtime_publish_topics)) :
    "${pair[0]}/${pair[1]}" => { account = pair[0], topic = pair[1] }
  }
  runtime_enqueues = {
    for pair in setproduct(keys(local.runtime_accounts), keys(local.queues)) :
    "${pair[0]}/${pair[1]}" => { account = pair[0], queue = pair[1] }
  }
}

check "account_keys_are_distinct" {
  assert {
    condition     = length(setintersection(keys(local.runtime_accounts), keys(local.caller_accounts))) == 0 && !contains(concat(keys(local.runtime_accounts), keys(local.caller_accounts)), "build")
    error_message = "shared/resources.json: service_accounts and callers must use distinct keys, and neither may be \"build\"."
  }
}

resource "google_service_account" "sa" {
  for_each = local.service_accounts

  project      = var.project_id
  account_id   = each.value.account_id
  display_name = "${each.value.display_name} (${var.environment})"

  depends_on = [google_project_service.enabled]
}

# The Pub/Sub invoker kept its account when callers moved to resources.json under the key "pubsub".
moved {
  from = google_service_account.sa["events"]
  to   = google_service_account.sa["pubsub"]
}

# --- functions runtime -------------------------------------------------------------------------

# Firestore has no narrower grant than the database's project.
resource "google_project_iam_member" "runtime_firestore" {
  for_each = local.runtime_accounts

  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.sa[each.key].member
}

# Vertex AI calls (google-genai with vertexai=True): enrichment and the assistant; mail search's query embedding.
resource "google_project_iam_member" "runtime_vertex" {
  for_each = toset(local.vertex_ai_users)

  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = google_service_account.sa[each.key].member
}

# Wrapping a new data key (connect-gmail seals the PKCE verifier) needs encrypt only.
resource "google_kms_crypto_key_iam_member" "refresh_token_sealers" {
  for_each = toset(local.refresh_token_sealers)

  crypto_key_id = google_kms_crypto_key.refresh_tokens.id
  role          = "roles/cloudkms.cryptoKeyEncrypter"
  member        = google_service_account.sa[each.key].member
}

# Unwrapping refresh tokens: only the functions that use Gmail grants.
resource "google_kms_crypto_key_iam_member" "refresh_token_readers" {
  for_each = toset(local.refresh_token_readers)

  crypto_key_id = google_kms_crypto_key.refresh_tokens.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = google_service_account.sa[each.key].member
}

resource "google_secret_manager_secret_iam_member" "oauth_client_secret_readers" {
  for_each = toset(local.oauth_client_secret_readers)

  project   = var.project_id
  secret_id = google_secret_manager_secret.oauth_client_secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.sa[each.key].member
}

resource "google_pubsub_topic_iam_member" "runtime_publish" {
  for_each = local.runtime_publishes

  project = var.project_id
  topic   = google_pubsub_topic.topic[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.sa[each.value.account].member
}

resource "google_cloud_tasks_queue_iam_member" "runtime_enqueue" {
  for_each = local.runtime_enqueues

  project  = var.project_id
  location = local.region
  name     = google_cloud_tasks_queue.queue[each.value.queue].name
  role     = "roles/cloudtasks.enqueuer"
  member   = google_service_account.sa[each.value.account].member
}

# Tasks name the tasks invoker account for their OIDC token: whoever enqueues takes actAs on it.
resource "google_service_account_iam_member" "runtime_acts_as_tasks_invoker" {
  for_each = local.runtime_accounts

  service_account_id = google_service_account.sa["tasks"].name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.sa[each.key].member
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

# Eventarc triggers deliver as the pubsub caller account (pubsub_delivery = "eventarc").
resource "google_project_iam_member" "events_receiver" {
  count = var.pubsub_delivery == "eventarc" ? 1 : 0

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.sa["pubsub"].member
}

# Pub/Sub mints the push subscriptions' OIDC tokens as the pubsub caller account.
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.sa["pubsub"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Who may call which function: invoke rights are granted on each function's Cloud Run service.
locals {
  function_invokers = merge(
    { for key, f in local.pubsub_functions : "${key}/pubsub" => { function = key, account = "pubsub" } },
    { for pair, key in local.http_invokers : pair => { function = key, account = split("/", pair)[1] } },
  )
}

resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = local.function_invokers

  project  = var.project_id
  location = local.region
  service  = google_cloudfunctions2_function.fn[each.value.function].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.sa[each.value.account].member
}

# The public functions take anyone's call: Hosting's rewrites and Google's OAuth redirect carry no Google
# identity. Nothing internal is here (tests/unit/test_terraform_deployment.py holds it to resources.json).
resource "google_cloud_run_service_iam_member" "public_invoker" {
  # checkov:skip=CKV_GCP_102:Only the public functions, which check Firebase ID tokens (or the OAuth consent's state and cookie) in code; Hosting and Google's redirect carry no Google identity.
  for_each = local.public_functions

  project  = var.project_id
  location = local.region
  service  = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}
