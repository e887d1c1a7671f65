output "functions" {
  description = "Each function of shared/resources.json: deployed id, HTTPS URL (cloudfunctions.net), Cloud Run URL, the OIDC audience its callers sign for, and the account it runs as."
  value = {
    for key, fn in google_cloudfunctions2_function.fn : key => {
      id              = fn.name
      url             = fn.url
      run_uri         = fn.service_config[0].uri
      audience        = local.functions[key].audience
      service_account = fn.service_config[0].service_account_email
    }
  }
}

output "functions_base_url" {
  description = "RAPPORT_FUNCTIONS_BASE_URL given to the functions: a function is reached at BASE/<deployed id>."
  value       = local.functions_base_url
}

output "topics" {
  description = "Pub/Sub topic ids by resources.json key."
  value       = { for key, topic in google_pubsub_topic.topic : key => topic.id }
}

output "gmail_watch_topic" {
  description = "The topicName to pass to users.watch."
  value       = google_pubsub_topic.topic[local.gmail_topic_key].id
}

output "push_subscriptions" {
  description = "Push subscription ids by resources.json key (empty when pubsub_delivery is eventarc)."
  value       = { for key, sub in google_pubsub_subscription.push : key => sub.id }
}

output "eventarc_triggers" {
  description = "Eventarc trigger of each pubsub function (empty when pubsub_delivery is push_subscription)."
  value = {
    for key, fn in google_cloudfunctions2_function.fn : key => fn.event_trigger[0].trigger
    if length(fn.event_trigger) > 0
  }
}

output "queues" {
  description = "Cloud Tasks queue ids by resources.json key."
  value       = { for key, queue in google_cloud_tasks_queue.queue : key => queue.id }
}

output "kms_key_name" {
  description = "RAPPORT_KMS_KEY_NAME: the key that envelope-encrypts Gmail refresh tokens."
  value       = google_kms_crypto_key.refresh_tokens.id
}

output "oauth_client_secret_id" {
  description = "Secret Manager secret that must receive the OAuth client secret as a version, out of band."
  value       = google_secret_manager_secret.oauth_client_secret.id
}

output "service_accounts" {
  description = "Service account emails by role."
  value       = { for role, sa in google_service_account.sa : role => sa.email }
}

output "scheduler_jobs" {
  description = "Cloud Scheduler jobs, by the function each one calls (from the schedules in shared/resources.json)."
  value       = { for key, job in google_cloud_scheduler_job.scheduled : key => job.id }
}

output "hosting_url" {
  description = "Default URL of the Firebase Hosting site."
  value       = google_firebase_hosting_site.rapport.default_url
}

output "firebase_web_config" {
  description = "Configuration for initializeApp() in the web client (public values: a Firebase web API key identifies the project, it grants nothing)."
  value = {
    projectId         = var.project_id
    appId             = google_firebase_web_app.rapport.app_id
    apiKey            = data.google_firebase_web_app_config.rapport.api_key
    authDomain        = data.google_firebase_web_app_config.rapport.auth_domain
    storageBucket     = try(data.google_firebase_web_app_config.rapport.storage_bucket, null)
    messagingSenderId = try(data.google_firebase_web_app_config.rapport.messaging_sender_id, null)
  }
}
