import type { Auth } from "firebase/auth";
import { userRequest } from "../lib/api";

/** One row of the audit page: a change a person made, a sync run or an import (GET /api/audit/feed). */
export interface ActivityItem {
  type: "change" | "syncRun" | "import";
  id: string;
  at: string | null;
  action: string;
  actorUid: string | null;
  actorEmail: string | null;
  entity: string | null;
  entityId: string | null;
  entityKey: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  changedFields: string[];
  redacted: boolean;
  /** Sync runs and imports: what they did, e.g. `{state: "done", fetched: 12}`. */
  details: Record<string, unknown>;
}

export interface ActivityFilters {
  actorUid: string;
  action: string;
  entity: string;
  entityKey: string;
}

export interface ActivityPage {
  items: ActivityItem[];
  nextCursor: string | null;
}

const DETAIL_FIELDS = ["kind", "state", "mailboxId", "listed", "fetched", "created", "updated", "invalid", "messages", "stored"];

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function asText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function toActivityItem(raw: Record<string, unknown>): ActivityItem {
  const type = raw.type === "syncRun" || raw.type === "import" ? raw.type : "change";
  const details: Record<string, unknown> = {};
  for (const field of DETAIL_FIELDS) if (raw[field] !== undefined && raw[field] !== null) details[field] = raw[field];
  return {
    type,
    id: String(raw.id ?? ""),
    at: asText(raw.at),
    action: asText(raw.action) ?? type,
    actorUid: asText(raw.actorUid),
    actorEmail: asText(raw.actorEmail),
    entity: asText(raw.entity),
    entityId: asText(raw.entityId),
    entityKey: asText(raw.entityKey),
    before: asRecord(raw.before),
    after: asRecord(raw.after),
    changedFields: Array.isArray(raw.changedFields) ? raw.changedFields.filter((f): f is string => typeof f === "string") : [],
    redacted: raw.redacted === true,
    details: type === "change" ? {} : details,
  };
}

/** One page of the feed, filtered on the server; `cursor` continues where the last page ended. */
export async function fetchActivity(
  auth: Auth,
  workspaceId: string,
  filters: ActivityFilters,
  cursor: string | null,
  limit = 50,
): Promise<ActivityPage> {
  const params = new URLSearchParams({ workspaceId, limit: String(limit) });
  for (const [name, value] of Object.entries(filters)) if (value.trim()) params.set(name, value.trim());
  if (cursor) params.set("cursor", cursor);
  const page = await userRequest<{ items?: unknown[]; nextCursor?: unknown }>(auth, "GET", `audit/feed?${params.toString()}`);
  const items = (page.items ?? []).map((item) => toActivityItem(asRecord(item) ?? {}));
  return { items, nextCursor: asText(page.nextCursor) };
}
