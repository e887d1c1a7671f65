import type { Auth } from "firebase/auth";
import { apiRequest, sendCommand } from "../lib/api";
import type { Pipeline, Stage } from "./deals";

/** What admins change about the workspace itself (shared/workspace_profile.py, shared/crm/deals.py). */

export interface SpendRow {
  calls: number;
  costUsd: number;
}

export interface AiSpend {
  month: string;
  limitUsd: number;
  customLimit: boolean;
  spentUsd: number;
  reservedUsd: number;
  calls: number;
  byModel: Array<SpendRow & { model: string }>;
  byFeature: Array<SpendRow & { feature: string }>;
}

/** Dispatched on `window` with `{id, name}` once a rename is saved, so the header shows the new name at once. */
export const WORKSPACE_RENAMED = "rapport:workspace-renamed";

export const workspaceAdmin = {
  rename: async (auth: Auth, workspaceId: string, name: string) => {
    const renamed = await sendCommand<{ id: string; name: string }>(auth, "rename-workspace", { workspaceId, name });
    window.dispatchEvent(new CustomEvent(WORKSPACE_RENAMED, { detail: renamed }));
    return renamed;
  },
  aiSpend: (auth: Auth, workspaceId: string) => apiRequest<AiSpend>(auth, "GET", workspaceId, "ai-spend"),
  setAiBudget: (auth: Auth, workspaceId: string, monthlyBudgetUsd: number | null) =>
    apiRequest<AiSpend>(auth, "PUT", workspaceId, "ai-spend", { monthlyBudgetUsd }),
  /** Replaces the stages; `moves` says where the deals of each removed stage go. */
  savePipeline: (auth: Auth, workspaceId: string, stages: Stage[], version: number, moves: Record<string, string>) =>
    apiRequest<Pipeline>(auth, "PUT", workspaceId, "pipeline", { stages, version, moves }),
};

/** "Contact insights" for `contact_insights`: features are named after their prompts. */
export function featureLabel(feature: string): string {
  const words = feature.replace(/[_-]+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : feature;
}

export function formatUsd(value: number): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: value < 1 ? 4 : 2 }).format(value);
}

/** Turns a stage's name into an id the API accepts (lower-case letters, digits, - and _), unique among `taken`. */
export function stageIdFor(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 32) || "stage";
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}
