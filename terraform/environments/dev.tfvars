# The dev environment: what differs from prod, and nothing else (terraform/deployment is shared).
environment                      = "dev"
deletion_protection              = false
firestore_point_in_time_recovery = false

function_defaults = {
  available_memory = "512Mi"
  available_cpu    = "1"
  timeout_seconds  = 540
  min_instances    = 0
  max_instances    = 5
  concurrency      = 1
}
