# The Gmail add-on (docs/addon.md). Its functions (invoker "addons" in shared/resources.json) are called by
# Google Workspace's add-ons service agent of this project, which alone may invoke them; each request's
# ID token is checked in code too (shared/addon/tokens.py). Their ingress is the public one: Google calls
# them from outside the project.
locals {
  addon_service_agent = "service-${data.google_project.this.number}@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
  addon_functions     = { for key, f in local.http_functions : key => f if f.invoker == "addons" }
}

resource "google_cloud_run_service_iam_member" "addon_invoker" {
  for_each = local.addon_functions

  project  = var.project_id
  location = local.region
  service  = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${local.addon_service_agent}"
}
