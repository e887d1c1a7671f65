# Cloud Tasks queues of shared/resources.json: names and rate limits from there, retry config from
# var.task_retry unless the queue declares its own "retry" object.

resource "google_cloud_tasks_queue" "queue" {
  for_each = local.queues

  project  = var.project_id
  name     = each.value.name
  location = local.region

  rate_limits {
    max_dispatches_per_second = each.value.max_dispatches_per_second
    max_concurrent_dispatches = each.value.max_concurrent_dispatches
  }

  retry_config {
    max_attempts       = try(each.value.retry.max_attempts, var.task_retry.max_attempts)
    max_retry_duration = try(each.value.retry.max_retry_duration, var.task_retry.max_retry_duration)
    min_backoff        = try(each.value.retry.min_backoff, var.task_retry.min_backoff)
    max_backoff        = try(each.value.retry.max_backoff, var.task_retry.max_backoff)
    max_doublings      = try(each.value.retry.max_doublings, var.task_retry.max_doublings)
  }

  # Every task dispatched from the queue goes to the queue's function (its Cloud Run host; the path the
  # code chose is kept, and functions-framework serves an HTTP function on any path) and carries an OIDC
  # token of the tasks invoker account with that function as audience, whatever the task itself said.
  dynamic "http_target" {
    for_each = contains(keys(local.http_functions), each.value.function) ? [each.value.function] : []

    content {
      uri_override {
        scheme                    = "HTTPS"
        host                      = trimprefix(google_cloudfunctions2_function.fn[http_target.value].service_config[0].uri, "https://")
        uri_override_enforce_mode = "ALWAYS"
      }

      oidc_token {
        service_account_email = google_service_account.sa["tasks"].email
        audience              = local.functions[http_target.value].audience
      }
    }
  }

  stackdriver_logging_config {
    sampling_ratio = 1.0
  }

  depends_on = [google_project_service.enabled]
}
