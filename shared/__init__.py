"""Rapport's domain code: services, models and clients shared by every Cloud Function.

Nothing in this package knows about HTTP, Flask or functions-framework.
"""
