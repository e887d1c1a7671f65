variable "project_id" {
  type        = string
  description = "Google Cloud project of this environment."
}

variable "region" {
  type        = string
  description = "Region of the functions, queues, scheduler job and KMS key ring."
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

variable "extra_environment_variables" {
  type        = map(string)
  description = "Further non-secret RAPPORT_* settings for every function."
  default     = {}
}
