# Dead letters: every one recorded is logged as "dead letter recorded" (shared/deadletters.py); a
# log-based metric counts them by source, and an alert fires when any arrive.

resource "google_logging_metric" "dead_letters" {
  project     = var.project_id
  name        = "rapport/dead_letters"
  description = "Input Rapport could not process and kept as a dead letter (./rapport deadletters, the admin view)."
  filter      = "jsonPayload.message=\"dead letter recorded\" AND resource.type=\"cloud_run_revision\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"

    labels {
      key         = "source"
      value_type  = "STRING"
      description = "What produced the letter (extract, mail-fetched, ...)."
    }
  }

  label_extractors = {
    source = "EXTRACT(jsonPayload.source)"
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  project      = var.project_id
  display_name = "Rapport (${var.environment}): dead letters recorded"
  combiner     = "OR"

  conditions {
    display_name = "More than ${var.dead_letter_alert_threshold} dead letters in ${var.dead_letter_alert_window}"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.dead_letters.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.dead_letter_alert_threshold
      duration        = "0s"

      aggregations {
        alignment_period     = var.dead_letter_alert_window
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.source"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Rapport kept input it could not process. List them by mailbox and reason in the admin view (Settings → Dead letters) or with `./rapport deadletters list`; replay them once the cause is fixed. They expire after the dead-letter TTL."
  }

  notification_channels = var.alert_notification_channels
  user_labels           = local.labels
}
