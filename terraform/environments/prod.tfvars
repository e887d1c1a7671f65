# The prod environment: what differs from dev, and nothing else (terraform/deployment is shared).
environment                      = "prod"
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
