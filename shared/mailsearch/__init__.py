"""Semantic search over mail: embeddings of each message's visible reply, kept beside the interactions
and searched with Firestore's vector queries, as far as each mailbox's sharing level lets the asker read."""
