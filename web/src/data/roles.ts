import type { WorkspaceRole } from "./types";

// Each role may do everything the roles after it may (shared/principals.py ranks them the same way).
const RANK: Record<WorkspaceRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function hasRole(role: WorkspaceRole | null, minimum: WorkspaceRole): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}

/** Highest first, as a role picker lists them. */
export const ROLES: readonly WorkspaceRole[] = ["owner", "admin", "member", "viewer"];

export function isRole(value: unknown): value is WorkspaceRole {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export const ROLE_HINTS: Record<WorkspaceRole, string> = {
  owner: "everything, including making owners",
  admin: "manages the team, settings and syncs",
  member: "edits records and connects a mailbox",
  viewer: "reads everything, changes nothing",
};
