import type { Auth } from "firebase/auth";
import { collection, limit, onSnapshot, orderBy, query, type Firestore, type Unsubscribe } from "firebase/firestore";
import { sendCommand } from "../lib/api";
import { toFirestoreFailure } from "./errors";
import { asString } from "./parse";
import type { FirestoreFailure } from "./types";

/** Merging duplicate contacts and undoing it (functions/merge_contacts.py, unmerge_contacts.py and friends). */

export interface MergeSuggestion {
  id: string;
  targetId: string;
  sourceId: string;
  reason: string;
}

export interface MergeRecord {
  id: string;
  targetId: string;
  sourceId: string;
  state: string;
  byUid: string | null;
  at: Date | null;
  sourceName: string | null;
  targetName: string | null;
  sourceEmails: string[];
}

export interface Merged {
  mergeId: string;
  targetId: string;
  sourceId: string;
}

export const REASONS: Record<string, string> = {
  same_mailbox: "One mailbox, two spellings of its address",
  same_name_same_company: "Same name at the same company",
  same_name_free_mail: "Same name, personal addresses",
};

export const mergesApi = {
  suggestions: async (auth: Auth, workspaceId: string, recompute: boolean): Promise<MergeSuggestion[]> => {
    const answer = await sendCommand<{ suggestions: Array<Record<string, unknown>> }>(auth, "list-merge-suggestions", { workspaceId, recompute });
    return answer.suggestions.flatMap((entry): MergeSuggestion[] => {
      const id = asString(entry.id);
      const targetId = asString(entry.targetId);
      const sourceId = asString(entry.sourceId);
      return id && targetId && sourceId ? [{ id, targetId, sourceId, reason: asString(entry.reason) ?? "" }] : [];
    });
  },
  merge: (auth: Auth, workspaceId: string, targetId: string, sourceId: string, suggestionId?: string) =>
    sendCommand<Merged>(auth, "merge-contacts", { workspaceId, targetId, sourceId, ...(suggestionId ? { suggestionId } : {}) }),
  unmerge: (auth: Auth, workspaceId: string, mergeId: string) => sendCommand<Merged>(auth, "unmerge-contacts", { workspaceId, mergeId }),
  dismiss: (auth: Auth, workspaceId: string, suggestionId: string) => sendCommand(auth, "dismiss-merge-suggestion", { workspaceId, suggestionId }),
};

/** The latest merges, newest first (a single-field order: no composite index). */
export function subscribeToRecentMerges(db: Firestore, workspaceId: string, onData: (rows: MergeRecord[]) => void, onError: (failure: FirestoreFailure) => void): Unsubscribe {
  return onSnapshot(
    query(collection(db, "workspaces", workspaceId, "merges"), orderBy("atMs", "desc"), limit(20)),
    (snapshot) =>
      onData(
        snapshot.docs.map((row) => {
          const data = row.data();
          const source = (data.before?.source ?? {}) as Record<string, unknown>;
          const target = (data.before?.target ?? {}) as Record<string, unknown>;
          return {
            id: row.id,
            targetId: asString(data.targetId) ?? "",
            sourceId: asString(data.sourceId) ?? "",
            state: asString(data.state) ?? "",
            byUid: asString(data.byUid),
            at: typeof data.atMs === "number" ? new Date(data.atMs) : null,
            sourceName: asString(source.name) ?? asString(source.email),
            targetName: asString(target.name) ?? asString(target.email),
            sourceEmails: Array.isArray(data.sourceEmails) ? data.sourceEmails.filter((e: unknown): e is string => typeof e === "string") : [],
          };
        }),
      ),
    (error) => onError(toFirestoreFailure(error)),
  );
}
