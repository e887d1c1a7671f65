import {
  collection,
  count,
  getAggregateFromServer,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  sum,
  where,
  type Firestore,
} from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";
import { toFirestoreFailure } from "./errors";
import type { FirestoreFailure } from "./types";

/**
 * What each stage of the pipeline holds, counted and summed by Firestore (decision 31): aggregation
 * queries cost one read per 1,000 deals they match, so the board's column heads and the dashboard's
 * chart cost the same at a hundred deals and at a hundred thousand, where listening to every deal
 * read each one.
 */

export interface CurrencyTotal {
  currency: string;
  total: number;
}

export interface StageTotals {
  stage: string;
  count: number;
  /** Per currency, never added together: dollars are not added to euros. */
  totals: CurrencyTotal[];
}

// A refresh waits this long for more changes, so a burst of moves costs one recount.
const SETTLE_MS = 300;
// Deals removed from outside the newest-changed one send no signal: they are caught within a minute.
const REFRESH_MS = 60_000;
// More currencies than this in one workspace are summed for the first ones only.
const MAX_CURRENCIES = 10;

/** The distinct currencies deals are in, one document read each: a skip scan along the currency index. */
async function currenciesInUse(db: Firestore, workspaceId: string): Promise<string[]> {
  const deals = collection(db, "workspaces", workspaceId, "deals");
  const found: string[] = [];
  while (found.length < MAX_CURRENCIES) {
    const after = found[found.length - 1];
    const next = await getDocs(
      after === undefined
        ? query(deals, orderBy("currency"), limit(1))
        : query(deals, where("currency", ">", after), orderBy("currency"), limit(1)),
    );
    const currency = next.docs[0]?.get("currency");
    if (typeof currency !== "string") break;
    found.push(currency);
  }
  return found;
}

export async function stageTotals(db: Firestore, workspaceId: string, stageIds: readonly string[]): Promise<StageTotals[]> {
  const deals = collection(db, "workspaces", workspaceId, "deals");
  const currencies = await currenciesInUse(db, workspaceId);
  return Promise.all(
    stageIds.map(async (stage) => {
      const perCurrency = await Promise.all(
        currencies.map(async (currency) => {
          const answer = await getAggregateFromServer(query(deals, where("stage", "==", stage), where("currency", "==", currency)), {
            deals: count(),
            value: sum("value"),
          });
          return { currency, count: answer.data().deals, total: answer.data().value ?? 0 };
        }),
      );
      const held = perCurrency.filter((entry) => entry.count > 0);
      return {
        stage,
        count: held.reduce((total, entry) => total + entry.count, 0),
        totals: held.map(({ currency, total }) => ({ currency, total })),
      };
    }),
  );
}

export type TotalsState = { state: "loading" } | { state: "ready"; data: StageTotals[] } | { state: "error"; error: FirestoreFailure };

/**
 * The stages' totals, counted again whenever a deal changes: one listener on the most recently changed
 * deal (one read per change) says when, so the counts follow moves live without listening to every deal.
 */
export function useStageTotals(db: Firestore, workspaceId: string, stageIds: readonly string[] | null): TotalsState {
  const [totals, setTotals] = useState<TotalsState>({ state: "loading" });
  const key = stageIds?.join("\u0000") ?? null;
  useEffect(() => {
    setTotals({ state: "loading" });
    if (stageIds === null) return undefined;
    let active = true;
    let timer: number | undefined;
    let running = false;
    let again = false;
    const load = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const data = await stageTotals(db, workspaceId, stageIds);
        if (active) setTotals({ state: "ready", data });
      } catch (error) {
        // A failed refresh keeps the totals already shown; only a first count that fails says so.
        if (active) setTotals((shown) => (shown.state === "ready" ? shown : { state: "error", error: toFirestoreFailure(error) }));
      } finally {
        running = false;
        if (again && active) {
          again = false;
          void load();
        }
      }
    };
    let first = true;
    const soon = () => {
      window.clearTimeout(timer);
      // The first answer counts at once; later changes wait for the rest of their burst.
      timer = window.setTimeout(() => void load(), first ? 0 : SETTLE_MS);
      first = false;
    };
    const newest = query(collection(db, "workspaces", workspaceId, "deals"), orderBy("updatedAt", "desc"), limit(1));
    const unsubscribe = onSnapshot(newest, soon, () => soon());
    const interval = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      active = false;
      unsubscribe();
      window.clearTimeout(timer);
      window.clearInterval(interval);
    };
    // The stages are compared by their ids, joined into `key`.
  }, [db, workspaceId, key]);
  return totals;
}

/** The currency holding the most value across stages: the one the dashboard's bars compare. */
export function mainCurrency(stages: readonly StageTotals[]): string {
  const sums = new Map<string, number>();
  for (const stage of stages) for (const entry of stage.totals) sums.set(entry.currency, (sums.get(entry.currency) ?? 0) + entry.total);
  let best: CurrencyTotal = { currency: "USD", total: -1 };
  for (const [currency, total] of sums) if (total > best.total) best = { currency, total };
  return best.currency;
}
