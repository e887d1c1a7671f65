import { useEffect, useState } from "preact/hooks";
import { liveDeals, type Deal } from "../../data/deals";
import { teamMap, type TeamMapAnswer, type TeamMapFilter } from "../../data/relationships";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";
import { When } from "../records/RecordParts";
import { StrengthRow, TREND } from "./WhoKnows";
import "./relationships.css";

type Loaded = { state: "loading" } | { state: "ready"; answer: TeamMapAnswer } | { state: "error"; message: string };

/** The team map: each teammate's strongest relationships, in the whole workspace or within one company or deal. */
export function TeamMapPage({ workspaceId }: { workspaceId: string }) {
  const { auth, db } = useServices();
  const now = useNow(60_000);
  const [by, setBy] = useState<"company" | "deal">("company");
  const [company, setCompany] = useState("");
  const [dealId, setDealId] = useState("");
  // The deals are read only once someone filters by one.
  const deals = useLiveData<Deal[]>(by === "deal" ? (onData, onError) => liveDeals.deals(db, workspaceId, onData, onError) : null, [db, workspaceId, by]);
  const [filter, setFilter] = useState<TeamMapFilter>({});
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const key = JSON.stringify(filter);
  useEffect(() => {
    let current = true;
    setLoaded({ state: "loading" });
    teamMap(auth, workspaceId, filter).then(
      (answer) => current && setLoaded({ state: "ready", answer }),
      (error: unknown) => current && setLoaded({ state: "error", message: describeApiError(error) }),
    );
    return () => {
      current = false;
    };
    // The filter is compared by value (key).
  }, [auth, workspaceId, key]);

  const apply = (event: Event) => {
    event.preventDefault();
    const domain = company.trim().toLowerCase();
    if (by === "deal") setFilter(dealId ? { dealId } : {});
    else setFilter(domain ? { companyId: domain } : {});
  };

  return (
    <main class="page" data-testid="team-map-page">
      <h1 class="page__title">Relationships</h1>
      <p class="muted">Each teammate's strongest relationships, from their own mailbox: who knows whom best.</p>
      <form class="team-map__filter" aria-label="Filter the team map" onSubmit={apply}>
        <label>
          <span>Filter by</span>
          <select value={by} onChange={(event) => setBy(event.currentTarget.value === "deal" ? "deal" : "company")} data-testid="team-map-filter-by">
            <option value="company">Company</option>
            <option value="deal">Deal</option>
          </select>
        </label>
        {by === "company" ? (
          <label>
            <span>Company</span>
            <input
              type="text"
              placeholder="globex.com"
              value={company}
              onInput={(event) => setCompany(event.currentTarget.value)}
              data-testid="team-map-company"
            />
          </label>
        ) : (
          <label>
            <span>Deal</span>
            <select value={dealId} onChange={(event) => setDealId(event.currentTarget.value)} disabled={deals.state !== "ready"} data-testid="team-map-deal">
              <option value="">{deals.state === "loading" ? "Loading deals…" : deals.state === "error" ? "Deals are unavailable" : "Any deal"}</option>
              {deals.state === "ready" &&
                [...deals.data]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((deal) => (
                    <option key={deal.id} value={deal.id}>
                      {deal.name}
                    </option>
                  ))}
            </select>
          </label>
        )}
        <button type="submit" class="button" data-testid="team-map-apply">
          Show
        </button>
      </form>
      {loaded.state === "loading" ? (
        <StatePanel busy title="Loading the team map…" />
      ) : loaded.state === "error" ? (
        <StatePanel tone="error" title="The team map could not be read" detail={loaded.message} />
      ) : loaded.answer.members.length === 0 ? (
        <StatePanel title="No mailbox connected yet" detail="Each teammate's relationships appear once their Gmail syncs." />
      ) : (
        <div class="team-map">
          {loaded.answer.members.map(({ teammate, relationships }) => (
            <section key={teammate.mailboxId} class="team-map__member" data-testid="team-map-member" aria-label={teammate.email ?? "A teammate"}>
              <h2 class="team-map__name">{teammate.email ?? "A teammate"}</h2>
              {relationships.length === 0 ? (
                <p class="muted">No relationships here yet.</p>
              ) : (
                <ol class="plain-list">
                  {relationships.map((row) => (
                    <StrengthRow
                      key={row.person.id}
                      testId="team-map-row"
                      title={<Link href={paths.contact(workspaceId, row.person.id)}>{row.person.name ?? row.person.email ?? row.person.id}</Link>}
                      score={row.score}
                    >
                      {row.person.companyId && <>{row.person.companyId} · </>}
                      {TREND[row.trend]} · last <When date={row.lastMs ? new Date(row.lastMs) : null} now={now} />
                    </StrengthRow>
                  ))}
                </ol>
              )}
            </section>
          ))}
        </div>
      )}
    </main>
  );
}
