"""Cloud Functions: thin adapters from HTTP, Pub/Sub and Cloud Tasks to the services in shared/."""
