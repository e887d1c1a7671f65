import { useEffect, useState } from "preact/hooks";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { useServices } from "../../lib/services";
import { useAction } from "../../lib/useAction";
import { downloadCsv, EXPORT_KINDS, type ExportKind } from "../../data/imports";
import { CsvImportCard } from "./CsvImportCard";
import { FailedTakeouts } from "./FailedTakeouts";
import { TakeoutCard } from "./TakeoutCard";

interface ImportsPageProps {
  workspaceId: string;
  role: WorkspaceRole | null;
}

/** Bringing records in (CSV, a Google Takeout mailbox) and taking them out (CSV of every record type). */
export function ImportsPage({ workspaceId, role }: ImportsPageProps) {
  const canImport = hasRole(role, "member");
  return (
    <main class="page" aria-labelledby="imports-heading">
      <h1 id="imports-heading" class="page__title">
        Imports and exports
      </h1>
      {canImport && <CsvImportCard workspaceId={workspaceId} />}
      {canImport && <TakeoutCard workspaceId={workspaceId} />}
      {canImport && <FailedTakeouts workspaceId={workspaceId} role={role} />}
      {!canImport && <p class="muted">Viewers can export; members and admins can import.</p>}
      <ExportCard workspaceId={workspaceId} />
    </main>
  );
}

const EXPORT_LABELS: Record<ExportKind, string> = {
  contacts: "Contacts",
  companies: "Companies",
  deals: "Deals",
  notes: "Notes",
  tasks: "Tasks",
};

function ExportCard({ workspaceId }: { workspaceId: string }) {
  const { auth } = useServices();
  const [kind, setKind] = useState<ExportKind | null>(null);
  const [action, run] = useAction(async (chosen: ExportKind) => {
    const rows = await downloadCsv(auth, workspaceId, chosen);
    return `${EXPORT_LABELS[chosen]}: ${rows} ${rows === 1 ? "row" : "rows"} saved as ${chosen}.csv`;
  });
  useEffect(() => setKind(null), [workspaceId]);
  return (
    <section class="card" aria-labelledby="export-heading">
      <h2 id="export-heading" class="card__title">
        Export as CSV
      </h2>
      <p class="card__subtitle">Every record of a kind, as a spreadsheet opens it (cells a spreadsheet would run as formulas are kept as text).</p>
      <div class="button-row">
        {EXPORT_KINDS.map((candidate) => (
          <button
            key={candidate}
            type="button"
            class="button"
            data-testid={`export-${candidate}`}
            disabled={action.state === "pending"}
            onClick={() => {
              setKind(candidate);
              void run(candidate);
            }}
          >
            {action.state === "pending" && kind === candidate ? `Exporting ${EXPORT_LABELS[candidate].toLowerCase()}…` : EXPORT_LABELS[candidate]}
          </button>
        ))}
      </div>
      <p class={action.state === "failed" ? "form-error" : "muted"} role="status" data-testid="export-result">
        {action.state === "done" || action.state === "failed" ? action.message : ""}
      </p>
    </section>
  );
}
