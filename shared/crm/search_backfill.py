"""The one-time fill of `searchKeys` (shared/crm/search.py) on records written before Search asked it.

Every writer stores the map with the token list; records stored earlier hold only the list, and
Search cannot find them until their map is written. The daily relationships job runs this for each
workspace until one whole pass finds nothing left to fill, then marks the workspace and skips it after.
Each write is conditional on the record being unchanged since it was read: a record edited meanwhile
got both fields from its writer, and the page is read again.
"""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from shared.clients import firestore_client
from shared.crm.kinds import SEARCHED
from shared.crm.search import KEYS_FIELD, TOKENS_FIELD

FILLED_FIELD = "searchKeysFilled"  # on the workspace: every record it had then holds its map
PAGE = 300
ATTEMPTS = 5


class SearchKeysBackfill:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def fill_all(self) -> int:
        """Every workspace not yet marked; the number of records given their map."""
        return sum(self.fill(snapshot.id) for snapshot in self._db.collection("workspaces").stream())

    def fill(self, workspace_id: str) -> int:
        workspace = self._db.collection("workspaces").document(workspace_id)
        if (workspace.get(field_paths=[FILLED_FIELD]).to_dict() or {}).get(FILLED_FIELD):
            return 0
        filled = sum(self._fill_collection(workspace.collection(name)) for name in SEARCHED)
        workspace.set({FILLED_FIELD: True}, merge=True)
        return filled

    def _fill_collection(self, collection: firestore.CollectionReference) -> int:
        filled, last = 0, None
        while True:
            query = collection.order_by("__name__").select([TOKENS_FIELD, KEYS_FIELD]).limit(PAGE)
            for _ in range(ATTEMPTS):
                page = list((query.start_after(last) if last is not None else query).stream())
                try:
                    filled += self._fill_page(page)
                    break
                except exceptions.FailedPrecondition:
                    continue  # a record of the page changed while it was read: read the page again
            else:
                raise RuntimeError(f"{collection.id}: records keep changing; the next run fills the rest")
            if len(page) < PAGE:
                return filled
            last = page[-1]

    def _fill_page(self, page: list[firestore.DocumentSnapshot]) -> int:
        batch = self._db.batch()
        stale = 0
        for snapshot in page:
            data: dict[str, Any] = snapshot.to_dict() or {}
            keys = dict.fromkeys(data.get(TOKENS_FIELD) or [], True)
            if data.get(KEYS_FIELD) != keys:
                batch.update(
                    snapshot.reference,
                    {KEYS_FIELD: keys},
                    option=self._db.write_option(last_update_time=snapshot.update_time),
                )
                stale += 1
        if stale:
            batch.commit()
        return stale
