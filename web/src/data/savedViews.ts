import {
  addDoc,
  collection,
  deleteDoc,
  doc,
  limit,
  onSnapshot,
  query,
  serverTimestamp,
  where,
  type DocumentData,
  type Firestore,
  type Unsubscribe,
} from "firebase/firestore";
import { toFirestoreFailure } from "./errors";
import { asMap, asString } from "./parse";
import type { FirestoreFailure } from "./types";

/**
 * A named sort and filters of a list, kept per person in `workspaces/{ws}/savedViews`, optionally
 * shared with the team. The browser writes them itself: they change nothing in the CRM, so the
 * rules (not the API) check that each person writes only their own (firestore.rules).
 */
export interface SavedView {
  id: string;
  name: string;
  list: string;
  sort: string;
  filters: Record<string, string | boolean | null>;
  shared: boolean;
  createdBy: string;
}

const MAX_VIEWS = 50;

function toSavedView(id: string, data: DocumentData): SavedView {
  const filters: SavedView["filters"] = {};
  for (const [key, value] of Object.entries(asMap(data.filters))) {
    if (typeof value === "string" || typeof value === "boolean" || value === null) filters[key] = value;
  }
  return {
    id,
    name: asString(data.name) ?? "(unnamed view)",
    list: asString(data.list) ?? "",
    sort: asString(data.sort) ?? "",
    filters,
    shared: data.shared === true,
    createdBy: asString(data.createdBy) ?? "",
  };
}

/**
 * The signed-in person's views of one list and the team's shared ones, by name. Two queries, as
 * the rules let each reader ask only for what it may read: its own, or the shared.
 */
export function subscribeToSavedViews(
  db: Firestore,
  workspaceId: string,
  list: string,
  uid: string,
  onViews: (views: SavedView[]) => void,
  onError: (failure: FirestoreFailure) => void,
): Unsubscribe {
  const views = collection(db, "workspaces", workspaceId, "savedViews");
  const found: { own: SavedView[] | null; shared: SavedView[] | null } = { own: null, shared: null };
  const publish = () => {
    if (!found.own || !found.shared) return;
    const byId = new Map([...found.shared, ...found.own].map((view) => [view.id, view]));
    onViews([...byId.values()].sort((a, b) => a.name.localeCompare(b.name)));
  };
  const listen = (part: keyof typeof found, field: string, value: string | boolean) =>
    onSnapshot(
      query(views, where("list", "==", list), where(field, "==", value), limit(MAX_VIEWS)),
      (snapshot) => {
        found[part] = snapshot.docs.map((item) => toSavedView(item.id, item.data()));
        publish();
      },
      (error) => onError(toFirestoreFailure(error)),
    );
  const own = listen("own", "createdBy", uid);
  const shared = listen("shared", "shared", true);
  return () => {
    own();
    shared();
  };
}

export interface NewSavedView {
  name: string;
  list: string;
  sort: string;
  filters: SavedView["filters"];
  shared: boolean;
}

export async function saveView(db: Firestore, workspaceId: string, uid: string, view: NewSavedView): Promise<string> {
  const created = await addDoc(collection(db, "workspaces", workspaceId, "savedViews"), {
    ...view,
    createdBy: uid,
    createdAt: serverTimestamp(),
  });
  return created.id;
}

export function deleteView(db: Firestore, workspaceId: string, viewId: string): Promise<void> {
  return deleteDoc(doc(db, "workspaces", workspaceId, "savedViews", viewId));
}
