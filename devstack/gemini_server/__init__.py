"""A local Vertex AI Gemini server: the REST subset `google-genai` uses, deterministic answers, switchable faults."""

from devstack.gemini_server.app import GeminiApp, GeminiServer, RecordedCall

__all__ = ["GeminiApp", "GeminiServer", "RecordedCall"]
