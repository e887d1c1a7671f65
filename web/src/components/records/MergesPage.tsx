import { useEffect, useState } from "preact/hooks";
import { describeWorkspaceFailure } from "../../data/errors";
import { mergesApi, REASONS, subscribeToRecentMerges, type Merged, type MergeRecord, type MergeSuggestion } from "../../data/merges";
import { hasRole } from "../../data/roles";
import type { WorkspaceRole } from "../../data/types";
import { useLiveData } from "../../data/useLiveData";
import { describeApiError } from "../../lib/api";
import { useNow } from "../../lib/hooks";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";
import { StatePanel } from "../StatePanel";
import { ActionError, MergeOutcome, MergePair } from "./MergeParts";
import { Section, When } from "./RecordParts";

type Suggestions = { state: "loading" } | { state: "ready"; rows: MergeSuggestion[] } | { state: "failed"; message: string };

/** Likely duplicates side by side: merge them, or say they are two people; every merge can be undone. */
export function MergesPage({ workspaceId, role }: { workspaceId: string; role: WorkspaceRole | null }) {
  const { auth } = useServices();
  const canEdit = hasRole(role, "member");
  const [suggestions, setSuggestions] = useState<Suggestions>({ state: "loading" });
  const [merged, setMerged] = useState<Merged | null>(null);

  async function load(recompute: boolean) {
    setSuggestions({ state: "loading" });
    try {
      setSuggestions({ state: "ready", rows: await mergesApi.suggestions(auth, workspaceId, recompute) });
    } catch (failure) {
      setSuggestions({ state: "failed", message: describeApiError(failure) });
    }
  }

  // Members find duplicates anew on opening the page (the role arrives after the first render).
  useEffect(() => {
    void load(canEdit);
  }, [workspaceId, canEdit]);

  const remove = (id: string) => setSuggestions((now) => (now.state === "ready" ? { state: "ready", rows: now.rows.filter((row) => row.id !== id) } : now));

  return (
    <main class="page" data-testid="merges-page" aria-labelledby="merges-heading">
      <header class="page__head">
        <h1 id="merges-heading" class="page__title">
          Duplicates
        </h1>
        {canEdit && (
          <button type="button" class="button button--small" data-testid="merges-recompute" disabled={suggestions.state === "loading"} onClick={() => void load(true)}>
            Look again
          </button>
        )}
      </header>
      {merged && <MergeOutcome key={merged.mergeId} workspaceId={workspaceId} merged={merged} onUndone={() => void load(false)} />}
      {suggestions.state === "loading" && <StatePanel busy title="Looking for duplicates…" />}
      {suggestions.state === "failed" && <StatePanel tone="error" title="Could not load the suggestions" detail={suggestions.message} />}
      {suggestions.state === "ready" && suggestions.rows.length === 0 && (
        <StatePanel title="No duplicates found" detail="People who write from two addresses show up here; you can also merge from a contact's page." testId="merges-empty" />
      )}
      {suggestions.state === "ready" && suggestions.rows.length > 0 && (
        <div class="merge-list">
          {suggestions.rows.map((suggestion) => (
            <SuggestionCard
              key={suggestion.id}
              workspaceId={workspaceId}
              suggestion={suggestion}
              canEdit={canEdit}
              onMerged={(result) => {
                remove(suggestion.id);
                setMerged(result);
              }}
              onDismissed={() => remove(suggestion.id)}
            />
          ))}
        </div>
      )}
      <RecentMerges workspaceId={workspaceId} canEdit={canEdit} />
    </main>
  );
}

interface SuggestionCardProps {
  workspaceId: string;
  suggestion: MergeSuggestion;
  canEdit: boolean;
  onMerged: (merged: Merged) => void;
  onDismissed: () => void;
}

function SuggestionCard({ workspaceId, suggestion, canEdit, onMerged, onDismissed }: SuggestionCardProps) {
  const { auth } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Either contact may be the one that stays; the suggestion proposes the one with more mail.
  const [swapped, setSwapped] = useState(false);
  const [targetId, sourceId] = swapped ? [suggestion.sourceId, suggestion.targetId] : [suggestion.targetId, suggestion.sourceId];

  async function act(run: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (failure) {
      setError(describeApiError(failure));
      setBusy(false);
    }
  }

  return (
    <section class="card" data-testid="merge-suggestion" data-suggestion-id={suggestion.id} aria-label={REASONS[suggestion.reason] ?? "Possible duplicate"}>
      <h2 class="card__title card__title--spaced">{REASONS[suggestion.reason] ?? suggestion.reason}</h2>
      <MergePair workspaceId={workspaceId} targetId={targetId} sourceId={sourceId} />
      {canEdit && (
        <div class="merge-actions">
          <button
            type="button"
            class="button button--small button--primary"
            data-testid="merge-accept"
            disabled={busy}
            onClick={() => void act(async () => onMerged(await mergesApi.merge(auth, workspaceId, targetId, sourceId, suggestion.id)))}
          >
            Merge
          </button>
          <button type="button" class="button button--small" data-testid="merge-swap" disabled={busy} onClick={() => setSwapped((now) => !now)}>
            Keep the other one
          </button>
          <button
            type="button"
            class="button button--small button--quiet"
            data-testid="merge-dismiss"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                await mergesApi.dismiss(auth, workspaceId, suggestion.id);
                onDismissed();
              })
            }
          >
            Not the same person
          </button>
        </div>
      )}
      <ActionError message={error} />
    </section>
  );
}

function RecentMerges({ workspaceId, canEdit }: { workspaceId: string; canEdit: boolean }) {
  const { db, auth } = useServices();
  const now = useNow(60_000);
  const merges = useLiveData<MergeRecord[]>((onData, onError) => subscribeToRecentMerges(db, workspaceId, onData, onError), [db, workspaceId]);
  const [error, setError] = useState<string | null>(null);
  const [undoing, setUndoing] = useState<string | null>(null);
  if (merges.state === "loading") return null;
  if (merges.state === "error") return <p class="form-error">{describeWorkspaceFailure(merges.error).title}</p>;
  const applied = merges.data.filter((merge) => merge.state === "applied");
  if (applied.length === 0) return null;

  async function undo(merge: MergeRecord) {
    setUndoing(merge.id);
    setError(null);
    try {
      await mergesApi.unmerge(auth, workspaceId, merge.id);
    } catch (failure) {
      setError(describeApiError(failure));
    } finally {
      setUndoing(null);
    }
  }

  return (
    <Section title="Recent merges" testId="recent-merges">
      <ul class="plain-list">
        {applied.map((merge) => (
          <li key={merge.id} class="record-field__view" data-testid="recent-merge" data-merge-id={merge.id}>
            <span>
              {merge.sourceName ?? merge.sourceEmails.join(", ")} into{" "}
              <Link href={paths.contact(workspaceId, merge.targetId)}>{merge.targetName ?? merge.targetId}</Link>
              <span class="muted">
                {" · "}
                <When date={merge.at} now={now} />
              </span>
            </span>
            {canEdit && (
              <button type="button" class="button button--small" data-testid="recent-merge-undo" disabled={undoing !== null} onClick={() => void undo(merge)}>
                {undoing === merge.id ? "Undoing…" : "Undo"}
              </button>
            )}
          </li>
        ))}
      </ul>
      <ActionError message={error} testId="recent-merge-error" />
    </Section>
  );
}
