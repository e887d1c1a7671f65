"""Messaging between functions: Pub/Sub topics (pubsub) and Cloud Tasks queues (tasks)."""
