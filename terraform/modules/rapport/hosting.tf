# Firebase on the project, the web app the browser client registers as, and its Hosting site.
# These resources exist only in the google-beta provider.

resource "google_firebase_project" "rapport" {
  provider = google-beta
  project  = var.project_id

  depends_on = [google_project_service.enabled]
}

resource "google_firebase_web_app" "rapport" {
  provider        = google-beta
  project         = var.project_id
  display_name    = "${var.web_app_display_name} (${var.environment})"
  deletion_policy = "ABANDON"

  depends_on = [google_firebase_project.rapport]
}

data "google_firebase_web_app_config" "rapport" {
  provider   = google-beta
  project    = var.project_id
  web_app_id = google_firebase_web_app.rapport.app_id
}

resource "google_firebase_hosting_site" "rapport" {
  provider = google-beta
  project  = var.project_id
  site_id  = local.hosting_site_id
  app_id   = google_firebase_web_app.rapport.app_id

  depends_on = [google_firebase_project.rapport]
}
