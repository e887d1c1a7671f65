locals {
  services = toset([
    "aiplatform.googleapis.com",       # Vertex AI Gemini
    "artifactregistry.googleapis.com", # function images
    "cloudbuild.googleapis.com",       # function builds
    "cloudfunctions.googleapis.com",   # Cloud Functions gen2
    "cloudkms.googleapis.com",         # envelope encryption of refresh tokens
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com", # daily Gmail watch renewal
    "cloudtasks.googleapis.com",     # mailbox sync queue
    "eventarc.googleapis.com",       # function event triggers
    "firebase.googleapis.com",
    "firebasehosting.googleapis.com",
    "firebaserules.googleapis.com", # Firestore security rules
    "firestore.googleapis.com",
    "gmail.googleapis.com", # users.watch, history.list, messages.get
    "gsuiteaddons.googleapis.com", # the Gmail add-on's deployment and its service agent (docs/addon.md)
    "calendar-json.googleapis.com", # events.list with sync tokens, events.watch channels
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",  # OIDC tokens for push, tasks and scheduler
    "logging.googleapis.com",         # the dead-letter log-based metric
    "monitoring.googleapis.com",      # alert policies and the dashboard
    "billingbudgets.googleapis.com",  # the Vertex AI spend budget
    "identitytoolkit.googleapis.com", # Firebase Auth
    "pubsub.googleapis.com",
    "run.googleapis.com",           # gen2 functions run on Cloud Run
    "secretmanager.googleapis.com", # OAuth client secret
    "serviceusage.googleapis.com",
    "storage.googleapis.com", # function source bucket
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project = var.project_id
  service = each.value

  # Turning an API off on destroy would break anything else in the project that uses it.
  disable_on_destroy         = false
  disable_dependent_services = false
}

data "google_project" "this" {
  project_id = var.project_id
}
