terraform {
  required_version = ">= 1.5.0"

  # State lives in a GCS bucket named at init time, one prefix per environment:
  #   terraform init -reconfigure -backend-config=../environments/ENV.tfbackend   (see ENV.tfbackend.example)
  backend "gcs" {}

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 7.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.0, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
  }
}

locals {
  # The region is declared once, in shared/resources.json (the module and firebase.json's rewrites read it too).
  region = jsondecode(file("${path.module}/../../shared/resources.json")).region
}

provider "google" {
  project = var.project_id
  region  = local.region

  # Bill API quota to the Rapport project rather than to the caller's credentials' project
  # (Firebase management APIs require it).
  user_project_override = true
  billing_project       = var.project_id
}

provider "google-beta" {
  project = var.project_id
  region  = local.region

  user_project_override = true
  billing_project       = var.project_id
}

# One root for every environment: dev and prod differ only by their tfvars (terraform/environments/).
module "rapport" {
  source = "../modules/rapport"

  project_id         = var.project_id
  environment        = var.environment
  firestore_location = var.firestore_location
  oauth_client_id    = var.oauth_client_id
  hosting_site_id    = var.hosting_site_id
  web_app_url        = var.web_app_url

  extra_environment_variables = var.extra_environment_variables
  alert_notification_channels = var.alert_notification_channels
  billing_account_id          = var.billing_account_id

  deletion_protection              = var.deletion_protection
  firestore_point_in_time_recovery = var.firestore_point_in_time_recovery

  function_defaults  = var.function_defaults
  function_overrides = var.function_overrides
}

output "rapport" {
  description = "Everything the module reports: function URLs, topic and queue ids, the KMS key, service accounts, the web config."
  value       = module.rapport
}
