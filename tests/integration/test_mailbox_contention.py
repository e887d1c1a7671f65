"""A plain write to a mailbox waits out a sync transaction that holds it, instead of failing.

The emulator, like Firestore under contention, aborts a write that waits on a transaction's lock for
longer than about two seconds ("Transaction lock timeout"); the sync's transactions hold the mailbox
document that connecting, the watch and the counters also write.
"""

from __future__ import annotations

import threading
import time

from google.cloud import firestore

from shared.gmail.mailboxes import MailboxStore

LONGER_THAN_THE_LOCK_WAIT = 3.0


def test_saving_the_watch_outlasts_a_transaction_holding_the_mailbox(firestore_db, workspace_id):
    store = MailboxStore()
    ref = store.ensure_imported_mailbox(workspace_id=workspace_id, owner_uid="u1", email="me@example.com")
    document = firestore_db.document("workspaces", workspace_id, "mailboxes", ref.mailbox_id)
    holding = threading.Event()

    @firestore.transactional
    def hold(transaction: firestore.Transaction) -> None:
        document.get(transaction=transaction)
        holding.set()
        time.sleep(LONGER_THAN_THE_LOCK_WAIT)
        transaction.update(document, {"sync.stage": "held"})

    holder = threading.Thread(target=hold, args=(firestore_db.transaction(),))
    holder.start()
    try:
        assert holding.wait(30)
        store.save_watch(ref, history_id=77, expiration_ms=1_900_000_000_000)
        store.count_sync(ref, fetched=2)
    finally:
        holder.join()

    saved = document.get().to_dict()
    assert saved["watch"]["historyId"] == 77
    assert saved["sync"] == {"stage": "held", "fetched": 2}
