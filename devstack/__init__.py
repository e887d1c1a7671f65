"""Rapport's local development stack and command line: emulators, local Gmail and Gemini servers, demo data."""
