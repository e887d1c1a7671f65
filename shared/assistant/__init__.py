"""The assistant: questions about the team's relationships and pipeline answered by Gemini with
Rapport's tools, changes proposed for the user to confirm, answers streamed into Firestore."""
