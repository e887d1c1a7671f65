import type { Auth } from "firebase/auth";
import { userRequest } from "../lib/api";

/** Who on the team knows a person or company, and the warm paths to them (GET /api/relationships/intro-paths). */

export interface IntroPerson {
  id: string;
  name: string | null;
  email: string | null;
  companyId: string | null;
}

export interface Teammate {
  mailboxId: string;
  uid: string | null;
  email: string | null;
}

export interface MemberStrength {
  teammate: Teammate;
  person: IntroPerson;
  score: number;
  trend: "rising" | "steady" | "cooling";
  reciprocity: number;
  interactions: number;
  lastMs: number;
  lastInteractionId: string | null;
}

export interface Evidence {
  interactionId: string;
  atMs: number;
  link: "teammate" | "introducer";
}

export interface IntroPath {
  kind: "direct" | "via_contact" | "colleague";
  score: number;
  teammate: Teammate;
  via: IntroPerson | null;
  to: IntroPerson;
  evidence: Evidence[];
}

export interface IntroAnswer {
  whoKnows: MemberStrength[];
  paths: IntroPath[];
  reads: number;
}

export type IntroTarget = { contactId: string } | { companyId: string };

export function introPaths(auth: Auth, workspaceId: string, target: IntroTarget): Promise<IntroAnswer> {
  const params = new URLSearchParams({ workspaceId, limit: "8", ...target });
  return userRequest<IntroAnswer>(auth, "GET", `relationships/intro-paths?${params.toString()}`);
}

/** Each teammate's strongest relationships (GET /api/relationships/team-map). */
export interface TeamMapRow {
  person: IntroPerson;
  score: number;
  trend: MemberStrength["trend"];
  lastMs: number;
}

export interface TeamMapAnswer {
  members: { teammate: Teammate; relationships: TeamMapRow[] }[];
  reads: number;
}

export type TeamMapFilter = Record<string, never> | { companyId: string } | { dealId: string };

export function teamMap(auth: Auth, workspaceId: string, filter: TeamMapFilter): Promise<TeamMapAnswer> {
  const params = new URLSearchParams({ workspaceId, ...filter });
  return userRequest<TeamMapAnswer>(auth, "GET", `relationships/team-map?${params.toString()}`);
}
