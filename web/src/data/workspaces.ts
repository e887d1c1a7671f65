import { doc, getDoc, type Firestore } from "firebase/firestore";
import { asString } from "./parse";

/** Display names for the workspace switcher; a workspace whose document can't be read keeps its id. */
export async function fetchWorkspaceNames(db: Firestore, workspaceIds: readonly string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    workspaceIds.map(async (workspaceId): Promise<[string, string]> => {
      try {
        const snapshot = await getDoc(doc(db, "workspaces", workspaceId));
        return [workspaceId, asString(snapshot.data()?.name) ?? workspaceId];
      } catch {
        return [workspaceId, workspaceId];
      }
    }),
  );
  return Object.fromEntries(entries);
}
