"""Gmail label ids: system labels, Takeout's `X-Gmail-Labels` names, and per-mailbox custom labels."""

from __future__ import annotations

import threading

from devstack.takeout import TAKEOUT_LABELS

SYSTEM_LABELS = frozenset(
    {
        "INBOX",
        "SENT",
        "IMPORTANT",
        "STARRED",
        "SPAM",
        "TRASH",
        "DRAFT",
        "CHAT",
        "UNREAD",
        "CATEGORY_PERSONAL",
        "CATEGORY_SOCIAL",
        "CATEGORY_PROMOTIONS",
        "CATEGORY_UPDATES",
        "CATEGORY_FORUMS",
    }
)
CATEGORY_LABELS = frozenset(label for label in SYSTEM_LABELS if label.startswith("CATEGORY_"))
SPAM_AND_TRASH = frozenset({"SPAM", "TRASH"})


class LabelRegistry:
    """Custom label names of one mailbox, numbered `Label_1`, `Label_2`, ... in order of first use."""

    def __init__(self) -> None:
        self._ids_by_name: dict[str, str] = {}
        self._lock = threading.Lock()

    def id_for(self, name: str) -> str:
        key = name.strip().lower()
        with self._lock:
            if key not in self._ids_by_name:
                self._ids_by_name[key] = f"Label_{len(self._ids_by_name) + 1}"
            return self._ids_by_name[key]

    def find(self, name: str) -> str | None:
        """The id of a label named in a search; Gmail lets `-` and `_` stand for spaces and `/`."""
        wanted = _search_form(name)
        upper = name.upper()
        if upper in SYSTEM_LABELS:
            return upper
        with self._lock:
            for existing, label_id in self._ids_by_name.items():
                if _search_form(existing) == wanted or label_id.lower() == name.lower():
                    return label_id
        return None


def _search_form(name: str) -> str:
    return "".join("-" if ch in " /_" else ch for ch in name.strip().lower())


def labels_from_takeout(names: tuple[str, ...], registry: LabelRegistry) -> set[str]:
    labels: set[str] = set()
    for name in names:
        key = name.strip().lower()
        if key in TAKEOUT_LABELS:
            label = TAKEOUT_LABELS[key]
            if label is not None:
                labels.add(label)
        elif key:
            labels.add(registry.id_for(name))
    return labels


def default_labels(sender_address: str, owner: str) -> set[str]:
    """Labels of mail without Takeout labels: the owner's own mail is SENT, the rest unread in the inbox."""
    if sender_address == owner:
        return {"SENT"}
    return {"INBOX", "UNREAD"}
