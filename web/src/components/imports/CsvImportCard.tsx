import { useEffect, useState } from "preact/hooks";
import {
  applyCsv,
  newImportId,
  previewCsv,
  subscribeToCsvImport,
  undoCsv,
  type CsvApplied,
  type CsvImportProgress,
  type CsvKind,
  type CsvMapping,
  type CsvPreview,
  type CsvUndone,
} from "../../data/imports";
import { describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";
import { ProgressBar } from "../ProgressBar";
import { StatePanel } from "../StatePanel";

const FIELD_LABELS: Record<string, string> = {
  email: "Email",
  name: "Name",
  title: "Job title",
  phone: "Phone",
  companyName: "Company name",
  companyId: "Company id",
  tags: "Tags",
  domain: "Domain",
};

type Step =
  | { step: "choose" }
  | { step: "previewing" }
  | { step: "preview"; preview: CsvPreview }
  | { step: "failed"; message: string }
  | { step: "applying"; importId: string; preview: CsvPreview }
  | { step: "applied"; result: CsvApplied }
  | { step: "undone"; result: CsvUndone };

/** Upload a CSV, see how its columns map and which rows are wrong, apply it with live progress, undo it. */
export function CsvImportCard({ workspaceId }: { workspaceId: string }) {
  const { auth, db } = useServices();
  const [kind, setKind] = useState<CsvKind>("contacts");
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [mapping, setMapping] = useState<CsvMapping | null>(null);
  const [step, setStep] = useState<Step>({ step: "choose" });
  const [progress, setProgress] = useState<CsvImportProgress | null>(null);
  const [undoing, setUndoing] = useState(false);

  // Every change of file, kind or mapping asks the server again what the import would do.
  useEffect(() => {
    if (!csv) return undefined;
    let current = true;
    setStep({ step: "previewing" });
    previewCsv(auth, workspaceId, kind, csv.text, mapping).then(
      (preview) => current && setStep({ step: "preview", preview }),
      (error: unknown) => current && setStep({ step: "failed", message: describeApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [auth, workspaceId, kind, csv, mapping]);

  const importId = step.step === "applying" ? step.importId : null;
  useEffect(() => {
    if (!importId) return undefined;
    return subscribeToCsvImport(db, workspaceId, importId, setProgress, () => setProgress(null));
  }, [db, workspaceId, importId]);

  const chooseFile = async (file: File | undefined) => {
    setMapping(null);
    setProgress(null);
    setCsv(file ? { name: file.name, text: await file.text() } : null);
    if (!file) setStep({ step: "choose" });
  };

  const apply = async (preview: CsvPreview) => {
    if (!csv) return;
    const id = newImportId();
    const chosen = mapping ?? Object.fromEntries(preview.columns.map((column) => [column.header, column.field]));
    setStep({ step: "applying", importId: id, preview });
    try {
      setStep({ step: "applied", result: await applyCsv(auth, workspaceId, kind, csv.text, chosen, id) });
    } catch (error) {
      setStep({ step: "failed", message: describeApiError(error) });
    }
  };

  const undo = async (result: CsvApplied) => {
    setUndoing(true);
    try {
      setStep({ step: "undone", result: await undoCsv(auth, workspaceId, result.importId) });
    } catch (error) {
      setStep({ step: "failed", message: describeApiError(error) });
    } finally {
      setUndoing(false);
    }
  };

  const startOver = () => {
    setCsv(null);
    setMapping(null);
    setStep({ step: "choose" });
  };

  return (
    <section class="card" aria-labelledby="csv-import-heading" data-testid="csv-import">
      <h2 id="csv-import-heading" class="card__title">
        Import a CSV
      </h2>
      <p class="card__subtitle">Pick a file, check how its columns map and which rows are wrong, then import. One click undoes it.</p>
      {(step.step === "choose" || step.step === "previewing" || step.step === "preview" || step.step === "failed") && (
        <div class="inline-form">
          <label class="inline-form__field">
            <span>Records</span>
            <select
              class="input"
              data-testid="csv-kind"
              value={kind}
              onChange={(event) => {
                setMapping(null);
                setKind(event.currentTarget.value as CsvKind);
              }}
            >
              <option value="contacts">Contacts</option>
              <option value="companies">Companies</option>
            </select>
          </label>
          <label class="inline-form__field inline-form__field--grow">
            <span>CSV file</span>
            <input
              class="input"
              type="file"
              accept=".csv,text/csv"
              data-testid="csv-file"
              onChange={(event) => void chooseFile(event.currentTarget.files?.[0])}
            />
          </label>
        </div>
      )}

      {step.step === "previewing" && <StatePanel busy title="Reading the file…" />}
      {step.step === "failed" && (
        <div class="banner banner--error" role="alert" data-testid="csv-error">
          <span class="banner__text">{step.message}</span>
          <button type="button" class="button button--small" onClick={startOver}>
            Start over
          </button>
        </div>
      )}
      {step.step === "preview" && (
        <CsvPreviewView
          preview={step.preview}
          onMap={(header, field) =>
            setMapping({ ...Object.fromEntries(step.preview.columns.map((column) => [column.header, column.field])), [header]: field })
          }
          onApply={() => void apply(step.preview)}
          fileName={csv?.name ?? ""}
        />
      )}
      {step.step === "applying" && (
        <div data-testid="csv-applying">
          <p role="status">
            Importing… {progress ? `${progress.written} of ${progress.total || step.preview.create + step.preview.update} rows written` : ""}
          </p>
          <ProgressBar
            label="Import progress"
            testId="csv-progress"
            fraction={progress && progress.total ? progress.written / progress.total : null}
          />
        </div>
      )}
      {step.step === "applied" && (
        <div class="banner banner--ok" role="status" data-testid="csv-applied">
          <span class="banner__text">
            Imported: {step.result.created} created, {step.result.updated} updated
            {step.result.invalid ? `, ${step.result.invalid} rows skipped as invalid` : ""}.
          </span>
          <button type="button" class="button button--small" data-testid="csv-undo" disabled={undoing} onClick={() => void undo(step.result)}>
            {undoing ? "Undoing…" : "Undo import"}
          </button>
        </div>
      )}
      {step.step === "undone" && (
        <div class="banner banner--ok" role="status" data-testid="csv-undone">
          <span class="banner__text">
            Import undone: {step.result.restored} records restored
            {step.result.kept.length ? `; ${step.result.kept.length} edited since were kept as they are` : ""}.
          </span>
          <button type="button" class="button button--small" onClick={startOver}>
            Import another file
          </button>
        </div>
      )}
    </section>
  );
}

interface CsvPreviewViewProps {
  preview: CsvPreview;
  fileName: string;
  onMap: (header: string, field: string | null) => void;
  onApply: () => void;
}

function CsvPreviewView({ preview, fileName, onMap, onApply }: CsvPreviewViewProps) {
  const writes = preview.missing.length ? 0 : preview.create + preview.update;
  const sampleFields = [...new Set(preview.columns.map((column) => column.field).filter((field): field is string => !!field))];
  return (
    <div class="csv-preview" data-testid="csv-preview">
      <p role="status" data-testid="csv-summary">
        {fileName}: {preview.rows} rows — {preview.create} new, {preview.update} to update, {preview.invalid.length} with errors.
      </p>
      {preview.missing.length > 0 && (
        <p class="form-error" role="alert" data-testid="csv-missing">
          Choose the column that holds each {preview.kind === "contacts" ? "contact" : "record"}'s{" "}
          {preview.missing.map((field) => FIELD_LABELS[field] ?? field).join(", ")}: nothing can be imported without it.
        </p>
      )}
      <h3 class="card__title card__title--spaced">Columns</h3>
      <div class="table-scroll">
        <table class="data-table" data-testid="csv-mapping">
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Imported as</th>
            </tr>
          </thead>
          <tbody>
            {preview.columns.map((column, index) => (
              <tr key={column.header}>
                <th scope="row">{column.header || `(column ${index + 1})`}</th>
                <td>
                  <select
                    class="input"
                    aria-label={`Import column ${column.header || index + 1} as`}
                    data-testid={`map-${column.header}`}
                    value={column.field ?? ""}
                    onChange={(event) => onMap(column.header, event.currentTarget.value || null)}
                  >
                    <option value="">Don't import</option>
                    {preview.fields.map((field) => (
                      <option key={field} value={field}>
                        {FIELD_LABELS[field] ?? field}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {preview.invalid.length > 0 && (
        <>
          <h3 class="card__title card__title--spaced">Rows with errors (left out)</h3>
          <div class="table-scroll">
            <table class="data-table" data-testid="csv-errors">
              <thead>
                <tr>
                  <th scope="col" class="numeric">
                    Row
                  </th>
                  <th scope="col">Field</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {preview.invalid.map((error) => (
                  <tr key={error.row}>
                    <td class="numeric">{error.row}</td>
                    <td>{FIELD_LABELS[error.field] ?? error.field}</td>
                    <td>{error.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      {preview.sample.length > 0 && (
        <>
          <h3 class="card__title card__title--spaced">First rows as they will be imported</h3>
          <div class="table-scroll">
            <table class="data-table" data-testid="csv-sample">
              <thead>
                <tr>
                  {sampleFields.map((field) => (
                    <th key={field} scope="col">
                      {FIELD_LABELS[field] ?? field}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.sample.map((row) => (
                  <tr key={String(row.id)}>
                    {sampleFields.map((field) => (
                      <td key={field}>{Array.isArray(row[field]) ? (row[field] as unknown[]).join(", ") : String(row[field] ?? "")}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <div class="button-row">
        <button type="button" class="button button--primary" data-testid="csv-apply" disabled={writes === 0} onClick={onApply}>
          {writes === 0 ? "Nothing to import" : `Import ${writes} ${writes === 1 ? "row" : "rows"}`}
        </button>
      </div>
    </div>
  );
}
