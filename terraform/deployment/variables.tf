variable "project_id" {
  type        = string
  description = "Google Cloud project of this environment."
}

variable "environment" {
  type        = string
  description = "dev or prod (set by terraform/environments/ENV.tfvars)."
}

variable "firestore_location" {
  type        = string
  description = "Location of the (default) Firestore database (e.g. eur3, nam5 or a region); fixed once created."
}

variable "oauth_client_id" {
  type        = string
  description = "Google OAuth web client id used for Gmail access (its secret goes to Secret Manager out of band)."
}

variable "hosting_site_id" {
  type        = string
  description = "Firebase Hosting site id; null uses the project's default site (the project id)."
  default     = null
}

variable "web_app_url" {
  type        = string
  description = "Where people open Rapport when not the Hosting site's default https://SITE.web.app (a custom domain)."
  default     = null
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids the alert policies notify."
  default     = []
}

variable "billing_account_id" {
  type        = string
  description = "Billing account for the Vertex AI spend budget (alerts at 50/90/100%); null creates none."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Firestore database and the function source bucket from terraform destroy."
}

variable "firestore_point_in_time_recovery" {
  type        = bool
  description = "Keep 7 days of Firestore versions for point-in-time recovery."
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
  description = "Service settings every function starts from (see modules/rapport/variables.tf)."
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
  description = "Per-function changes to function_defaults, keyed by the function key in shared/resources.json."
  default     = {}
}

variable "extra_environment_variables" {
  type        = map(string)
  description = "Further non-secret RAPPORT_* settings for every function."
  default     = {}
}
