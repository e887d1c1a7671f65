variable "project_id" {
  type        = string
  description = "Google Cloud project that holds every Rapport resource of this environment."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  type        = string
  description = "Name of the environment (dev or prod); used in labels and display names."

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "firestore_location" {
  type        = string
  description = "Location of the (default) Firestore database: a multi-region such as eur3 or nam5, or a region. Cannot be changed after creation."
}

variable "oauth_client_id" {
  type        = string
  description = "Client id of the Google OAuth web client that requests Gmail access (not secret). Its secret is stored in Secret Manager out of band."

  validation {
    condition     = endswith(var.oauth_client_id, ".apps.googleusercontent.com")
    error_message = "oauth_client_id must be an OAuth client id ending in .apps.googleusercontent.com."
  }
}

variable "pubsub_delivery" {
  type        = string
  description = <<-EOT
    How Pub/Sub messages reach the pubsub-triggered functions.
    "push_subscription": terraform creates the push subscriptions declared in shared/resources.json
    (their ack deadlines, OIDC push auth, retry backoff and the dead-letter topic), exactly as devstack does locally.
    "eventarc": each function gets an event_trigger on its topic; Eventarc manages the subscription
    (retries with backoff for up to the retention period, but no dead-letter topic and no ack deadline from resources.json).
  EOT
  default     = "push_subscription"

  validation {
    condition     = contains(["push_subscription", "eventarc"], var.pubsub_delivery)
    error_message = "pubsub_delivery must be push_subscription or eventarc."
  }
}

variable "python_runtime" {
  type        = string
  description = "Cloud Functions runtime id of the Python version the code targets."
  default     = "python311"
}

variable "function_defaults" {
  type = object({
    available_memory = string
    available_cpu    = string
    timeout_seconds  = number
    min_instances    = number
    max_instances    = number
    concurrency      = number
  })
  description = "Service settings every function starts from. Event-triggered functions are capped at 540 s by the platform."
  default = {
    available_memory = "512Mi"
    available_cpu    = "1"
    timeout_seconds  = 540
    min_instances    = 0
    max_instances    = 20
    concurrency      = 1
  }
}

variable "function_overrides" {
  type = map(object({
    available_memory = optional(string)
    available_cpu    = optional(string)
    timeout_seconds  = optional(number)
    min_instances    = optional(number)
    max_instances    = optional(number)
    concurrency      = optional(number)
  }))
  description = "Per-function changes to function_defaults, keyed by the function key in shared/resources.json (e.g. sync-mailbox)."
  default     = {}
}

variable "public_ingress_settings" {
  type        = string
  description = "Ingress of the functions the web app calls (invoker \"public\" in shared/resources.json). ALLOW_INTERNAL_AND_GCLB when they sit behind an external Application Load Balancer; Hosting rewrites need ALLOW_ALL. Internal functions (Pub/Sub, Cloud Tasks, Cloud Scheduler) are always ALLOW_INTERNAL_ONLY."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_AND_GCLB"], var.public_ingress_settings)
    error_message = "public_ingress_settings must be ALLOW_ALL or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "extra_environment_variables" {
  type        = map(string)
  description = "Further RAPPORT_* settings for every function (e.g. RAPPORT_SYNC_LEASE_SECONDS). Never a secret: those come from Secret Manager."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.extra_environment_variables) : startswith(k, "RAPPORT_") && k != "RAPPORT_OAUTH_CLIENT_SECRET" && k != "RAPPORT_LOCAL_TOKEN_KEY"])
    error_message = "extra_environment_variables keys must start with RAPPORT_ and must not be RAPPORT_OAUTH_CLIENT_SECRET or RAPPORT_LOCAL_TOKEN_KEY."
  }
}

variable "push_retry_backoff" {
  type = object({
    minimum = string
    maximum = string
  })
  description = "Backoff of redelivery on the push subscriptions (pubsub_delivery = push_subscription); the same bounds devstack uses."
  default = {
    minimum = "1s"
    maximum = "60s"
  }
}

variable "default_max_delivery_attempts" {
  type        = number
  description = "Delivery attempts before a message goes to the dead-letter topic, for subscriptions that do not set max_delivery_attempts in shared/resources.json."
  default     = 10

  validation {
    condition     = var.default_max_delivery_attempts >= 5 && var.default_max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts 5 to 100 delivery attempts."
  }
}

variable "task_retry" {
  type = object({
    max_attempts       = number
    max_retry_duration = string
    min_backoff        = string
    max_backoff        = string
    max_doublings      = number
  })
  description = "Retry config of every Cloud Tasks queue; a queue in shared/resources.json may override any field under its own \"retry\" object."
  default = {
    max_attempts       = 20
    max_retry_duration = "86400s"
    min_backoff        = "5s"
    max_backoff        = "600s"
    max_doublings      = 5
  }
}

variable "scheduler_time_zone" {
  type        = string
  description = "Time zone of the schedules in shared/resources.json (the daily watch renewal and relationship refresh)."
  default     = "Etc/UTC"
}

variable "kms_key_rotation_period" {
  type        = string
  description = "Rotation period of the key that envelope-encrypts Gmail refresh tokens, in seconds with an s suffix (old versions stay usable for decryption)."
  default     = "7776000s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.kms_key_rotation_period)) && tonumber(trimsuffix(var.kms_key_rotation_period, "s")) >= 86400
    error_message = "kms_key_rotation_period must be a number of seconds with an s suffix, at least 86400s."
  }
}

variable "hosting_site_id" {
  type        = string
  description = "Firebase Hosting site id (a globally unique DNS label). Null uses the project's default site, whose id is the project id."
  default     = null
}

variable "web_app_url" {
  type        = string
  description = "Where people open Rapport (a custom domain on the Hosting site). Null uses the site's default URL, https://SITE.web.app. The OAuth redirect is this URL's /api/oauth-callback, and must be an authorised redirect URI of the OAuth client."
  default     = null

  validation {
    condition     = var.web_app_url == null || can(regex("^https://[^/]+$", var.web_app_url))
    error_message = "web_app_url must be https://HOST, with no path or trailing slash."
  }
}

variable "web_app_display_name" {
  type        = string
  description = "Display name of the Firebase web app."
  default     = "Rapport"
}

variable "firestore_point_in_time_recovery" {
  type        = bool
  description = "Keep 7 days of Firestore versions for point-in-time recovery."
  default     = false
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Firestore database and the function source bucket from deletion by terraform destroy."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels."
  default     = {}
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids (projects/P/notificationChannels/N) the alerts notify."
  default     = []
}

variable "dead_letter_alert_threshold" {
  type        = number
  description = "Alert when more dead letters than this are recorded within dead_letter_alert_window."
  default     = 0
}

variable "dead_letter_alert_window" {
  type        = string
  description = "The window the dead-letter alert counts over, as a duration (\"300s\")."
  default     = "300s"
}

variable "takeout_retention_days" {
  type        = number
  description = "Days an uploaded Takeout mbox stays in its bucket before Cloud Storage deletes it."
  default     = 7
}

variable "takeout_upload_origins" {
  type        = list(string)
  description = "Origins besides the Hosting site's default URL (custom domains) allowed to upload Takeout files."
  default     = []
}

variable "error_rate_alert_ratio" {
  type        = number
  description = "Alert when more than this share of a function's requests are answered 5xx over 5 minutes."
  default     = 0.05
}

variable "sync_backlog_alert_tasks" {
  type        = number
  description = "Alert when more sync or fetch tasks than this wait in their queue for 15 minutes."
  default     = 100
}

variable "billing_account_id" {
  type        = string
  description = "Billing account (XXXXXX-XXXXXX-XXXXXX) for the Vertex AI spend budget; null creates no budget."
  default     = null
}

variable "ai_spend_alert_usd" {
  type        = number
  description = "Monthly Vertex AI spend of the project, in USD, that the budget alerts at (50%, 90%, 100%)."
  default     = 50
}

variable "vertex_ai_billing_service_id" {
  type        = string
  description = "Cloud Billing's service id of Vertex AI (gcloud billing services list)."
  default     = "C7E2-9256-1C43"
}
