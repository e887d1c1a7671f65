"""What the stages of mail ingestion hand each other: fetched mail in Pub/Sub-sized batches, and
the sync progress counters they bump. Neutral ground: shared.gmail produces these, shared.crm
consumes them, and neither needs to import the other for it."""
