# Google Takeout uploads: the browser PUTs an mbox to a resumable session the takeout-uploads function opens
# (as the api account, which may only create objects here), and each finalised object under takeout/ is
# announced on the takeout-uploads topic, whose push subscription runs import-takeout (as the takeout
# account, which may only read them). No one else holds a grant on the bucket.

resource "google_storage_bucket" "takeout" {
  # checkov:skip=CKV_GCP_62:Only the api account writes and the takeout account reads (IAM on this bucket alone); Data Access audit logs record reads where a project wants them, without a second bucket of mail metadata.
  # checkov:skip=CKV_GCP_78:Versions would keep people's mail after the lifecycle rule or an erasure deleted it; uploads are single-use and deleted after takeout_retention_days.
  project                     = var.project_id
  name                        = "${var.project_id}-takeout"
  location                    = local.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  # A person's whole mailbox: kept only as long as an import could still need it.
  lifecycle_rule {
    condition {
      age = var.takeout_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # The session URL is used from the web app's origin only; the browser reads Range to resume.
  cors {
    origin          = distinct(concat([google_firebase_hosting_site.rapport.default_url, local.web_app_url], var.takeout_upload_origins))
    method          = ["PUT", "OPTIONS"]
    response_header = ["Content-Type", "Content-Range", "Range", "Location"]
    max_age_seconds = 3600
  }

  depends_on = [google_project_service.enabled]
}

data "google_storage_project_service_account" "this" {
  project = var.project_id
}

# Cloud Storage publishes its notifications as its own service agent.
resource "google_pubsub_topic_iam_member" "storage_notifies_takeout_uploads" {
  project = var.project_id
  topic   = google_pubsub_topic.topic["takeout_uploads"].name
  role    = "roles/pubsub.publisher"
  member  = data.google_storage_project_service_account.this.member
}

resource "google_storage_notification" "takeout_uploaded" {
  bucket             = google_storage_bucket.takeout.name
  topic              = google_pubsub_topic.topic["takeout_uploads"].id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = "takeout/"

  depends_on = [google_pubsub_topic_iam_member.storage_notifies_takeout_uploads]
}

# Opening a resumable upload session writes an object: create only, never read, overwrite or delete.
resource "google_storage_bucket_iam_member" "takeout_uploaders" {
  for_each = toset(local.takeout_uploaders)

  bucket = google_storage_bucket.takeout.name
  role   = "roles/storage.objectCreator"
  member = google_service_account.sa[each.key].member
}

resource "google_storage_bucket_iam_member" "takeout_readers" {
  for_each = toset(local.takeout_readers)

  bucket = google_storage_bucket.takeout.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.sa[each.key].member
}

locals {
  takeout_uploaders = ["api"]
  takeout_readers   = ["takeout"]
}
