# The OAuth client secret. Terraform creates the secret only; its value is added out of band
# (see README.md) so it never passes through a variable, a plan or the state.
resource "google_secret_manager_secret" "oauth_client_secret" {
  project   = var.project_id
  secret_id = "rapport-oauth-client-secret"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}
