import { collection, getDocs, limit, orderBy, query, type Firestore } from "firebase/firestore";
import { asCount, asMap, asString } from "./parse";

/**
 * Relationship health over time: the nightly refresh's daily snapshot per workspace and per teammate
 * (shared/crm/health.py), read once per view: one document per day shown.
 */

export const HEALTH_BANDS = ["strong", "warm", "cooling", "cold"] as const;
export type HealthBand = (typeof HEALTH_BANDS)[number];
export const HEALTH_DAYS = 90;

export type HealthCounts = Record<HealthBand, number> & { contacts: number; meanStrength: number };

export interface HealthDay extends HealthCounts {
  date: string; // YYYY-MM-DD, UTC
  members: Record<string, HealthCounts>;
}

export interface RelationshipHealth {
  days: HealthDay[]; // oldest first
  teammates: Record<string, string>; // mailbox id → its owner's address
}

function countsOf(value: unknown): HealthCounts {
  const data = asMap(value);
  const meanStrength = typeof data.meanStrength === "number" ? data.meanStrength : 0;
  return {
    strong: asCount(data.strong),
    warm: asCount(data.warm),
    cooling: asCount(data.cooling),
    cold: asCount(data.cold),
    contacts: asCount(data.contacts),
    meanStrength,
  };
}

export async function readRelationshipHealth(db: Firestore, workspaceId: string): Promise<RelationshipHealth> {
  const workspace = ["workspaces", workspaceId] as const;
  const [snapshots, mailboxes] = await Promise.all([
    getDocs(query(collection(db, ...workspace, "relationshipHealth"), orderBy("date", "desc"), limit(HEALTH_DAYS))),
    getDocs(collection(db, ...workspace, "mailboxes")),
  ]);
  const days = snapshots.docs
    .map((snapshot) => {
      const data = snapshot.data();
      const members = Object.fromEntries(Object.entries(asMap(data.members)).map(([id, counts]) => [id, countsOf(counts)]));
      return { ...countsOf(data), date: asString(data.date) ?? snapshot.id, members };
    })
    .reverse();
  const teammates = Object.fromEntries(mailboxes.docs.map((mailbox) => [mailbox.id, asString(mailbox.data().email) ?? mailbox.id]));
  return { days, teammates };
}
