import { collection, getCountFromServer, query, where, Timestamp, type Firestore } from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";
import { formatMoney, liveDeals, type Pipeline } from "../../data/deals";
import { mainCurrency, useStageTotals, type StageTotals } from "../../data/dealTotals";
import { live, type ContactDetail } from "../../data/records";
import { useLiveData } from "../../data/useLiveData";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { RelationshipHealthChart } from "../relationships/HealthChart";
import { Section, When } from "./RecordParts";

const WEEKS = 12;
const WEEK_MS = 7 * 86_400_000;
// Counts are aggregation queries (one read per 1,000 matches), refreshed while the dashboard is open.
const REFRESH_MS = 60_000;
const weekFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

interface WeekCount {
  start: Date;
  count: number;
}

async function interactionsPerWeek(db: Firestore, workspaceId: string, nowMs: number): Promise<WeekCount[]> {
  const interactions = collection(db, "workspaces", workspaceId, "interactions");
  const starts = Array.from({ length: WEEKS }, (_, index) => new Date(nowMs - (WEEKS - index) * WEEK_MS));
  return Promise.all(
    starts.map(async (start) => {
      const end = new Date(start.getTime() + WEEK_MS);
      // Staged mail is nobody's to read until approved (firestore.rules): the count asks for the rest.
      const inWeek = query(
        interactions,
        where("staged", "==", false),
        where("occurredAt", ">=", Timestamp.fromDate(start)),
        where("occurredAt", "<", Timestamp.fromDate(end)),
      );
      return { start, count: (await getCountFromServer(inWeek)).data().count };
    }),
  );
}

/** The weekly counts; null while the first count runs, "failed" when it could not be made. */
function useWeeklyCounts(db: Firestore, workspaceId: string): WeekCount[] | null | "failed" {
  const [weeks, setWeeks] = useState<WeekCount[] | null | "failed">(null);
  useEffect(() => {
    let active = true;
    // A failed refresh keeps the counts already shown; only a first count that fails says so.
    const load = () =>
      interactionsPerWeek(db, workspaceId, Date.now()).then(
        (counts) => active && setWeeks(counts),
        () => active && setWeeks((shown) => (Array.isArray(shown) ? shown : "failed")),
      );
    void load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      active = false;
      window.clearInterval(timer);
    };
  }, [db, workspaceId]);
  return weeks;
}

export function DashboardPage({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const now = useNow(60_000);
  const weeks = useWeeklyCounts(db, workspaceId);
  const cold = useLiveData<ContactDetail[]>((onData, onError) => live.goingCold(db, workspaceId, onData, onError), [db, workspaceId]);
  const peak = Math.max(1, ...(Array.isArray(weeks) ? weeks : []).map((week) => week.count));
  const pipeline = useLiveData<Pipeline>((onData, onError) => liveDeals.pipeline(db, workspaceId, onData, onError), [db, workspaceId]);
  const deals = useStageTotals(db, workspaceId, pipeline.state === "ready" ? pipeline.data.stages.map((stage) => stage.id) : null);

  return (
    <main class="page" aria-labelledby="dashboard-heading">
      <h1 id="dashboard-heading" class="page__title">
        Dashboard
      </h1>
      <Section title="Emails and meetings per week" testId="weekly-chart">
        {weeks === null ? (
          <p class="muted" role="status">
            Counting…
          </p>
        ) : weeks === "failed" ? (
          <p class="form-error" role="alert" data-testid="weekly-chart-error">
            The weekly counts are unavailable right now; they are tried again every minute.
          </p>
        ) : (
          <div class="bars" role="img" aria-label={`Emails and meetings per week over the last ${WEEKS} weeks`}>
            {weeks.map((week) => (
              <div key={week.start.getTime()} class="bars__column" title={`${weekFormat.format(week.start)}: ${week.count}`} data-testid="week-bar" data-count={week.count}>
                <span class="bars__value">{week.count}</span>
                <span class="bars__bar" style={{ height: `${(week.count / peak) * 100}%` }} />
                <span class="bars__label">{weekFormat.format(week.start)}</span>
              </div>
            ))}
          </div>
        )}
      </Section>
      <Section title="Pipeline value by stage" testId="pipeline-chart">
        {deals.state === "ready" && pipeline.state === "ready" ? (
          <PipelineChart totals={deals.data} pipeline={pipeline.data} />
        ) : (
          <p class={deals.state === "error" || pipeline.state === "error" ? "form-error" : "muted"} role={deals.state === "error" || pipeline.state === "error" ? "alert" : "status"}>
            {deals.state === "error" || pipeline.state === "error" ? "Deals are unavailable." : "Loading…"}
          </p>
        )}
      </Section>
      <Section title="Relationship health" testId="relationship-health">
        <RelationshipHealthChart workspaceId={workspaceId} />
      </Section>
      <Section title="Going cold" testId="going-cold-list">
        {cold.state === "ready" && cold.data.length > 0 ? (
          <ul class="plain-list">
            {cold.data.map((person) => (
              <li key={person.id}>
                <Link href={paths.contact(workspaceId, person.id)}>{person.name ?? person.email}</Link>
                <span class="muted">
                  {" · last contact "}
                  <When date={person.lastInteractionAt} now={now} />
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p class={cold.state === "error" ? "form-error" : "muted"} role={cold.state === "error" ? "alert" : "status"}>
            {cold.state === "loading"
              ? "Loading…"
              : cold.state === "error"
                ? "Contacts going cold are unavailable right now."
                : "Nobody is going cold: every relationship is within its usual rhythm."}
          </p>
        )}
      </Section>
    </main>
  );
}

/**
 * One bar per stage, in pipeline order, from Firestore's counts and sums (decision 31). Bars compare the
 * amounts in the currency holding the most value; amounts in other currencies are listed beside them,
 * never converted or added in.
 */
function PipelineChart({ totals, pipeline }: { totals: readonly StageTotals[]; pipeline: Pipeline }) {
  if (totals.every((stage) => stage.count === 0)) return <p class="muted">No deals yet.</p>;
  const main = mainCurrency(totals);
  const rows = pipeline.stages.map((stage) => {
    const found = totals.find((entry) => entry.stage === stage.id);
    return { stage, count: found?.count ?? 0, totals: found?.totals ?? [] };
  });
  const mainTotal = (totals: Array<{ currency: string; total: number }>) => totals.find((entry) => entry.currency === main)?.total ?? 0;
  const peak = Math.max(1, ...rows.map((row) => mainTotal(row.totals)));
  return (
    <ul class="hbars" aria-label={`Open value by stage, bars in ${main}`}>
      {rows.map(({ stage, count, totals }) => (
        <li key={stage.id} class="hbars__row" data-testid="pipeline-stage" data-stage={stage.id} data-value={mainTotal(totals)}>
          <span class="hbars__label">
            {stage.name} <span class="muted">· {count}</span>
          </span>
          <span class="hbars__track">
            <span class="hbars__bar" style={{ width: `${(mainTotal(totals) / peak) * 100}%` }} />
          </span>
          <span class="hbars__value">
            {totals.length === 0 ? formatMoney(0, main) : totals.map((entry) => formatMoney(entry.total, entry.currency)).join(" + ")}
          </span>
        </li>
      ))}
    </ul>
  );
}
