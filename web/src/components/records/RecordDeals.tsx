import { useState } from "preact/hooks";
import { DEFAULT_STAGES, formatMoney, liveDeals, type Deal, type Pipeline } from "../../data/deals";
import { describeWorkspaceFailure } from "../../data/errors";
import { saveDealLinks, subscribeToDealsOf } from "../../data/recordLinks";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { Section } from "./RecordParts";

interface RecordDealsProps {
  workspaceId: string;
  kind: "contact" | "company";
  recordId: string;
  canEdit: boolean;
}

/** The deals a contact or company is on, live, and (for members) linking one more. */
export function RecordDeals({ workspaceId, kind, recordId, canEdit }: RecordDealsProps) {
  const { db } = useServices();
  const field = kind === "contact" ? "contactIds" : "companyId";
  const deals = useLiveData<Deal[]>((onData, onError) => subscribeToDealsOf(db, workspaceId, field, recordId, onData, onError), [db, workspaceId, field, recordId]);
  const pipeline = useLiveData<Pipeline>((onData, onError) => liveDeals.pipeline(db, workspaceId, onData, onError), [db, workspaceId]);
  const stages = pipeline.state === "ready" ? pipeline.data.stages : DEFAULT_STAGES;
  const linked = deals.state === "ready" ? deals.data : [];
  return (
    <Section title="Deals" testId="record-deals">
      {deals.state === "error" ? (
        <p class="form-error">{describeWorkspaceFailure(deals.error).title}</p>
      ) : deals.state === "loading" ? (
        <p class="muted">Loading…</p>
      ) : linked.length === 0 ? (
        <p class="muted">Not on any deal.</p>
      ) : (
        <ul class="plain-list">
          {linked.map((deal) => (
            <li key={deal.id} data-testid="record-deal" data-deal-id={deal.id}>
              <Link href={paths.deals(workspaceId)}>{deal.name}</Link>
              <span class="muted">
                {" · "}
                {stages.find((stage) => stage.id === deal.stage)?.name ?? deal.stage}
                {" · "}
                {formatMoney(deal.value, deal.currency)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {canEdit && <LinkDeal workspaceId={workspaceId} kind={kind} recordId={recordId} linked={linked} />}
    </Section>
  );
}

function LinkDeal({ workspaceId, kind, recordId, linked }: { workspaceId: string; kind: "contact" | "company"; recordId: string; linked: readonly Deal[] }) {
  const { db, auth } = useServices();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const all = useLiveData<Deal[]>(open ? (onData, onError) => liveDeals.deals(db, workspaceId, onData, onError) : null, [db, workspaceId, open]);
  const selectId = `link-deal-${recordId}`;
  if (!open) {
    return (
      <button type="button" class="button button--small button--quiet" data-testid="link-deal-toggle" onClick={() => setOpen(true)}>
        Link to a deal…
      </button>
    );
  }
  const choices = all.state === "ready" ? all.data.filter((deal) => !linked.some((other) => other.id === deal.id)) : [];

  async function link(dealId: string) {
    const deal = choices.find((choice) => choice.id === dealId);
    if (!deal) return;
    setError(null);
    try {
      const changes = kind === "contact" ? { contactIds: [...deal.contactIds, recordId] } : { companyId: recordId };
      await saveDealLinks(auth, workspaceId, deal, changes);
      setOpen(false);
    } catch (failure) {
      setError(describeApiError(failure));
    }
  }

  return (
    <div class="deal-links__editor">
      <label class="attached-form__field" for={selectId}>
        <span>Deal</span>
      </label>
      <select id={selectId} class="text-input" data-testid="link-deal-select" value="" onChange={(event) => void link(event.currentTarget.value)}>
        <option value="">{all.state === "loading" ? "Loading deals…" : choices.length === 0 ? "No other deals" : "Choose a deal…"}</option>
        {choices.map((deal) => (
          <option key={deal.id} value={deal.id}>
            {deal.name}
          </option>
        ))}
      </select>
      {error && (
        <p class="form-error" role="alert" data-testid="link-deal-error">
          {error}
        </p>
      )}
    </div>
  );
}
