import type { StoredStrength } from "./records";

const DAY_MS = 86_400_000;

/**
 * A stored strength decayed to `nowMs`, 0-100: the raw score halves every half-life and is squashed
 * again (shared/crm/relationships.py `decayed_strength`, docs/decisions/0005), so a score computed a
 * month ago reads right today without anyone rewriting it.
 */
export function strengthNow(strength: StoredStrength, nowMs: number): number {
  const elapsed = Math.max(0, nowMs - strength.asOfMs);
  const raw = strength.raw * 0.5 ** (elapsed / (strength.halfLifeDays * DAY_MS));
  return Math.round(100 * (1 - Math.exp(-Math.max(raw, 0) / strength.scale)));
}

// Five levels, as people read connection strength (Attio shows five too).
const LEVELS: ReadonlyArray<[number, string]> = [
  [80, "Very strong"],
  [60, "Strong"],
  [40, "Good"],
  [20, "Weak"],
  [0, "Very weak"],
];

export function strengthLabel(score: number): string {
  return LEVELS.find(([floor]) => score >= floor)?.[1] ?? "Very weak";
}
