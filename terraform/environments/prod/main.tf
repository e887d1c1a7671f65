terraform {
  required_version = ">= 1.5.0"

  # State lives in a GCS bucket named at init time:
  #   terraform init -backend-config=backend.tfbackend   (see backend.tfbackend.example)
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

provider "google" {
  project = var.project_id
  region  = var.region

  # Bill API quota to the Rapport project rather than to the caller's credentials' project
  # (Firebase management APIs require it).
  user_project_override = true
  billing_project       = var.project_id
}

provider "google-beta" {
  project = var.project_id
  region  = var.region

  user_project_override = true
  billing_project       = var.project_id
}

module "rapport" {
  source = "../../modules/rapport"

  project_id         = var.project_id
  region             = var.region
  environment        = "prod"
  firestore_location = var.firestore_location
  oauth_client_id    = var.oauth_client_id
  hosting_site_id    = var.hosting_site_id

  extra_environment_variables = var.extra_environment_variables

  deletion_protection              = true
  firestore_point_in_time_recovery = true

  function_defaults = {
    available_memory = "512Mi"
    available_cpu    = "1"
    timeout_seconds  = 540
    min_instances    = 0
    max_instances    = 50
    concurrency      = 1
  }
}

output "rapport" {
  description = "Everything the module reports: function URLs, topic and queue ids, the KMS key, service accounts, the web config."
  value       = module.rapport
}
