# Cloud Scheduler calls every function that shared/resources.json gives a `schedule`: the daily
# Gmail watch renewal (watches lapse after 7 days) and the daily relationship refresh (decay and
# going-cold flags move with time even when no mail arrives).

locals {
  scheduled_functions = { for key, f in local.resources.functions : key => f if try(f.schedule, null) != null }
}

resource "google_cloud_scheduler_job" "scheduled" {
  for_each = local.scheduled_functions

  project          = var.project_id
  region           = local.region
  name             = "${each.key}-daily"
  description      = "Calls ${each.key} on its schedule (${var.environment})."
  schedule         = each.value.schedule
  time_zone        = var.scheduler_time_zone
  attempt_deadline = "900s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "60s"
    max_backoff_duration = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.fn[each.key].service_config[0].uri
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.sa["scheduler"].email
      audience              = local.functions[each.key].audience
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_cloud_run_service_iam_member.invoker,
  ]
}

check "scheduled_functions_are_http" {
  assert {
    condition     = alltrue([for f in values(local.scheduled_functions) : f.trigger == "http"])
    error_message = "shared/resources.json gives a schedule to a function that is not HTTP-triggered."
  }
}
