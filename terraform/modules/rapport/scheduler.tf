# Gmail watches lapse after 7 days: a daily job calls renew-watches, when resources.json declares it.

locals {
  schedule_watch_renewal = try(local.renew-watches.trigger, null) == "http"
}

resource "google_cloud_scheduler_job" "renew-watches" {
  count = local.schedule_watch_renewal ? 1 : 0

  project          = var.project_id
  region           = var.region
  name             = "${local.renew-watches.id}-daily"
  description      = "Renews every connected mailbox's Gmail watch (${var.environment})."
  schedule         = var.watch_renewal_schedule
  time_zone        = var.watch_renewal_time_zone
  attempt_deadline = "900s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "60s"
    max_backoff_duration = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.fn["renew-watches"].service_config[0].uri
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.sa["scheduler"].email
      audience              = google_cloudfunctions2_function.fn["renew-watches"].service_config[0].uri
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_cloud_run_service_iam_member.invoker,
  ]
}

check "renew-watches_is_scheduled" {
  assert {
    condition     = local.renew-watches == null || local.schedule_watch_renewal
    error_message = "shared/resources.json declares renew-watches with a trigger other than http: no daily watch renewal is scheduled, and Gmail watches lapse after 7 days."
  }
}
