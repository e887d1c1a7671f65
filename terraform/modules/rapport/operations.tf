# Operations beyond dead letters (monitoring.tf): the functions' error rate, sync lag, AI spend, and a
# dashboard of the pipeline. Every alert notifies var.alert_notification_channels.

locals {
  sync_queue_name  = local.queues["mailbox_sync"].name
  fetch_queue_name = local.queues["mailbox_fetch"].name
}

# Errors: the share of requests a function answered 5xx, over all functions, per function.
resource "google_monitoring_alert_policy" "error_rate" {
  project      = var.project_id
  display_name = "Rapport (${var.environment}): functions answering errors"
  combiner     = "OR"

  conditions {
    display_name = "5xx above ${var.error_rate_alert_ratio * 100}% of a function's requests over 5 minutes"

    condition_threshold {
      filter             = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND metric.label.response_code_class=\"5xx\""
      denominator_filter = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.error_rate_alert_ratio
      duration           = "300s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }

      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A Rapport function is failing. Logs Explorer: `resource.type=\"cloud_run_revision\" severity>=ERROR`, grouped by trace (`logging.googleapis.com/trace`) to see each failing request whole."
  }

  notification_channels = var.alert_notification_channels
  user_labels           = local.labels
}

# Sync lag: sync and fetch tasks waiting in their queues. A backlog that stays means mail reaches Rapport late.
resource "google_monitoring_alert_policy" "sync_lag" {
  project      = var.project_id
  display_name = "Rapport (${var.environment}): mail sync falling behind"
  combiner     = "OR"

  conditions {
    display_name = "More than ${var.sync_backlog_alert_tasks} tasks waiting in ${local.sync_queue_name} or ${local.fetch_queue_name} for 15 minutes"

    condition_threshold {
      filter          = "metric.type=\"cloudtasks.googleapis.com/queue/depth\" AND resource.type=\"cloud_tasks_queue\" AND (resource.label.queue_id=\"${local.sync_queue_name}\" OR resource.label.queue_id=\"${local.fetch_queue_name}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = var.sync_backlog_alert_tasks
      duration        = "900s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Gmail sync tasks are piling up: new mail reaches Rapport late. Check the sync-mailbox and fetch-messages functions' errors, and Gmail quota (429s) in their logs."
  }

  notification_channels = var.alert_notification_channels
  user_labels           = local.labels
}

# AI spend: a Cloud Billing budget on Vertex AI, alerting at half, most and all of the monthly amount.
# Workspaces are also capped in code (RAPPORT_AI_MONTHLY_BUDGET_USD); this catches the project as a whole.
resource "google_billing_budget" "ai_spend" {
  count = var.billing_account_id == null ? 0 : 1

  billing_account = var.billing_account_id
  display_name    = "Rapport ${var.environment}: Vertex AI"

  budget_filter {
    projects = ["projects/${data.google_project.this.number}"]
    services = ["services/${var.vertex_ai_billing_service_id}"]
  }

  amount {
    specified_amount {
      currency_code = "USD"
      units         = tostring(var.ai_spend_alert_usd)
    }
  }

  dynamic "threshold_rules" {
    for_each = [0.5, 0.9, 1.0]

    content {
      threshold_percent = threshold_rules.value
    }
  }

  all_updates_rule {
    monitoring_notification_channels = var.alert_notification_channels
    disable_default_iam_recipients   = length(var.alert_notification_channels) > 0
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_dashboard" "pipeline" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "Rapport (${var.environment}) pipeline"
    mosaicLayout = {
      columns = 12
      tiles = [
        for index, chart in [
          { title = "Requests by function", filter = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\"", aligner = "ALIGN_RATE", group = ["resource.label.service_name"] },
          { title = "5xx answers by function", filter = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND metric.label.response_code_class=\"5xx\"", aligner = "ALIGN_RATE", group = ["resource.label.service_name"] },
          { title = "Sync and fetch tasks waiting", filter = "metric.type=\"cloudtasks.googleapis.com/queue/depth\" AND resource.type=\"cloud_tasks_queue\"", aligner = "ALIGN_MAX", group = ["resource.label.queue_id"] },
          { title = "Pub/Sub messages waiting", filter = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\"", aligner = "ALIGN_MAX", group = ["resource.label.subscription_id"] },
          { title = "Dead letters recorded", filter = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.dead_letters.name}\" AND resource.type=\"cloud_run_revision\"", aligner = "ALIGN_SUM", group = ["metric.label.source"] },
          { title = "Instances by function", filter = "metric.type=\"run.googleapis.com/container/instance_count\" AND resource.type=\"cloud_run_revision\"", aligner = "ALIGN_MAX", group = ["resource.label.service_name"] },
          ] : {
          xPos   = (index % 2) * 6
          yPos   = floor(index / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = chart.title
            xyChart = {
              dataSets = [{
                plotType = "LINE"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter = chart.filter
                    aggregation = {
                      alignmentPeriod    = "300s"
                      perSeriesAligner   = chart.aligner
                      crossSeriesReducer = "REDUCE_SUM"
                      groupByFields      = chart.group
                    }
                  }
                }
              }]
            }
          }
        }
      ]
    }
  })
}
