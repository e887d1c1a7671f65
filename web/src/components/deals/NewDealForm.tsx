import { useState } from "preact/hooks";
import { describeApiError } from "../../lib/api";
import { useServices } from "../../lib/services";
import { dealsApi, type Stage } from "../../data/deals";

const CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF"];

export function NewDealForm({ workspaceId, stages, onDone }: { workspaceId: string; stages: readonly Stage[]; onDone: () => void }) {
  const { auth } = useServices();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [currency, setCurrency] = useState("USD");
  const [stage, setStage] = useState(stages[0]?.id ?? "");
  const [expectedClose, setExpectedClose] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const amount = value.trim() === "" ? 0 : Number(value);
    if (!name.trim()) return setError("Give the deal a name.");
    if (!Number.isFinite(amount) || amount < 0) return setError("The value must be a positive number.");
    setSaving(true);
    setError(null);
    try {
      await dealsApi.create(auth, workspaceId, { name: name.trim(), value: amount, currency, stage, expectedClose: expectedClose || null });
      onDone();
    } catch (failure) {
      setError(describeApiError(failure));
      setSaving(false);
    }
  }

  return (
    <form class="card inline-form deal-form" data-testid="new-deal-form" onSubmit={(event) => void submit(event)}>
      <label class="inline-form__field inline-form__field--grow">
        <span>Name</span>
        <input class="text-input" data-testid="new-deal-name" value={name} required maxLength={200} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label class="inline-form__field">
        <span>Value</span>
        <input
          class="text-input"
          data-testid="new-deal-value"
          type="number"
          min="0"
          step="any"
          inputMode="decimal"
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
      </label>
      <label class="inline-form__field">
        <span>Currency</span>
        <select class="text-input" data-testid="new-deal-currency" value={currency} onChange={(event) => setCurrency(event.currentTarget.value)}>
          {CURRENCIES.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </label>
      <label class="inline-form__field">
        <span>Stage</span>
        <select class="text-input" data-testid="new-deal-stage" value={stage} onChange={(event) => setStage(event.currentTarget.value)}>
          {stages.map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.name}
            </option>
          ))}
        </select>
      </label>
      <label class="inline-form__field">
        <span>Expected close</span>
        <input
          class="text-input"
          data-testid="new-deal-close"
          type="date"
          value={expectedClose}
          onInput={(event) => setExpectedClose(event.currentTarget.value)}
        />
      </label>
      <div class="inline-form__actions">
        <button type="submit" class="button button--primary" data-testid="new-deal-submit" disabled={saving}>
          {saving ? "Adding…" : "Add deal"}
        </button>
      </div>
      {error && (
        <p class="form-error inline-form__error" role="alert" data-testid="new-deal-error">
          {error}
        </p>
      )}
    </form>
  );
}
