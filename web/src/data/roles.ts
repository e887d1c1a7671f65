import type { WorkspaceRole } from "./types";

// Each role may do everything the roles after it may (shared/principals.py ranks them the same way).
const RANK: Record<WorkspaceRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function hasRole(role: WorkspaceRole | null, minimum: WorkspaceRole): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}
