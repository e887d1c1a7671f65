import { useCallback, useEffect, useState } from "preact/hooks";
import { featureLabel, formatUsd, workspaceAdmin, type AiSpend } from "../../data/workspaceAdmin";
import { describeApiError } from "../../lib/api";
import { useAction } from "../../lib/useAction";
import { useServices } from "../../lib/services";
import { ProgressBar } from "../ProgressBar";
import { StatePanel } from "../StatePanel";
import { ActionNote } from "./ActionNote";

interface AiSpendCardProps {
  workspaceId: string;
}

type Loaded = { state: "loading" } | { state: "error"; message: string } | { state: "ready"; spend: AiSpend };

/** Admins only: this month's AI spend against the workspace's budget, by model and by feature, and the budget itself. */
export function AiSpendCard({ workspaceId }: AiSpendCardProps) {
  const { auth } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const [draft, setDraft] = useState("");
  const load = useCallback(async () => {
    try {
      const spend = await workspaceAdmin.aiSpend(auth, workspaceId);
      setLoaded({ state: "ready", spend });
      setDraft(String(spend.limitUsd));
    } catch (error) {
      setLoaded({ state: "error", message: describeApiError(error) });
    }
  }, [auth, workspaceId]);
  useEffect(() => void load(), [load]);

  const [action, setBudget] = useAction(async (usd: number | null) => {
    const spend = await workspaceAdmin.setAiBudget(auth, workspaceId, usd);
    setLoaded({ state: "ready", spend });
    setDraft(String(spend.limitUsd));
    return usd === null ? "Back to the default budget." : "Budget saved.";
  });
  const busy = action.state === "pending";
  const amount = Number(draft);
  const valid = draft.trim() !== "" && Number.isFinite(amount) && amount >= 0 && amount <= 100_000;
  const inputId = `ai-budget-${workspaceId}`;

  return (
    <section class="card" aria-labelledby="ai-heading" data-testid="ai-spend">
      <h2 id="ai-heading" class="card__title">
        AI budget
      </h2>
      <p class="card__subtitle">What Gemini calls (contact insights) may cost this workspace each month; past it, they wait until the next month.</p>
      {loaded.state === "loading" && <StatePanel busy title="Loading this month's spend…" />}
      {loaded.state === "error" && (
        <StatePanel tone="error" title="The spend could not be loaded" detail={loaded.message}>
          <button type="button" class="button" onClick={() => void load()}>
            Try again
          </button>
        </StatePanel>
      )}
      {loaded.state === "ready" && (
        <>
          <p data-testid="ai-spent">
            <strong>{formatUsd(loaded.spend.spentUsd)}</strong> of {formatUsd(loaded.spend.limitUsd)} spent in {loaded.spend.month}
            {loaded.spend.customLimit ? "" : " (the default budget)"} · {loaded.spend.calls} call{loaded.spend.calls === 1 ? "" : "s"}
          </p>
          <ProgressBar
            fraction={loaded.spend.limitUsd > 0 ? Math.min(loaded.spend.spentUsd / loaded.spend.limitUsd, 1) : 1}
            label={`AI budget used in ${loaded.spend.month}`}
          />
          <SpendTable
            caption="By model"
            testId="ai-spend-models"
            rows={loaded.spend.byModel.map((row) => ({ key: row.model, label: row.model, calls: row.calls, costUsd: row.costUsd }))}
          />
          <SpendTable
            caption="By feature"
            testId="ai-spend-features"
            rows={loaded.spend.byFeature.map((row) => ({ key: row.feature, label: featureLabel(row.feature), calls: row.calls, costUsd: row.costUsd }))}
          />
          <form
            class="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (valid) void setBudget(amount);
            }}
          >
            <label class="inline-form__field" for={inputId}>
              <span>Monthly budget (USD)</span>
              <input
                id={inputId}
                class="text-input"
                type="number"
                min="0"
                max="100000"
                step="0.01"
                inputMode="decimal"
                value={draft}
                disabled={busy}
                data-testid="ai-budget-input"
                onInput={(event) => setDraft(event.currentTarget.value)}
              />
            </label>
            <button type="submit" class="button" data-testid="ai-budget-save" disabled={busy || !valid}>
              Save budget
            </button>
            {loaded.spend.customLimit && (
              <button type="button" class="button button--quiet" disabled={busy} onClick={() => void setBudget(null)}>
                Use the default
              </button>
            )}
          </form>
          <ActionNote action={action} testId="ai-budget" />
        </>
      )}
    </section>
  );
}

interface SpendRowView {
  key: string;
  label: string;
  calls: number;
  costUsd: number;
}

function SpendTable({ caption, rows, testId }: { caption: string; rows: SpendRowView[]; testId: string }) {
  if (rows.length === 0) {
    return (
      <p class="muted" data-testid={testId}>
        {caption}: nothing spent yet this month.
      </p>
    );
  }
  return (
    <table class="spend-table" data-testid={testId}>
      <caption class="policy__legend">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{caption === "By model" ? "Model" : "Feature"}</th>
          <th scope="col" class="numeric">
            Calls
          </th>
          <th scope="col" class="numeric">
            Cost
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-key={row.key}>
            <th scope="row">{row.label}</th>
            <td class="numeric">{row.calls}</td>
            <td class="numeric">{formatUsd(row.costUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
