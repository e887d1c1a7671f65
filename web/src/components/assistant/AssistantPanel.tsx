import { useState } from "preact/hooks";
import {
  assistantApi,
  liveAssistant,
  liveRecordName,
  type AboutRecord,
  type AssistantMessage,
  type AssistantProposal,
  type ProposedDraft,
} from "../../data/assistant";
import { startDraftGrant } from "../../data/gmailApi";
import { describeWorkspaceFailure } from "../../data/errors";
import type { WorkspaceRole } from "../../data/types";
import { useLiveData } from "../../data/useLiveData";
import { useAction } from "../../lib/useAction";
import { paths } from "../../lib/router";
import { useServices } from "../../lib/services";
import { Link } from "../Link";

interface AssistantPanelProps {
  workspaceId: string;
  role: WorkspaceRole | null;
  /** The record whose page is open: questions are asked about it. */
  about: AboutRecord | null;
}

/** What oauth-callback says when a consent for a draft comes back: `?draft=created|failed`. */
const DRAFT_RESULTS: Record<string, string> = {
  created: "Your draft is in your Gmail drafts. Nothing was sent.",
  failed: "The draft could not be created; nothing was sent. Ask again to draft it anew.",
};

function takeDraftResult(): string | null {
  const url = new URL(window.location.href);
  const outcome = url.searchParams.get("draft");
  if (outcome === null) return null;
  url.searchParams.delete("draft");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  return Object.hasOwn(DRAFT_RESULTS, outcome) ? DRAFT_RESULTS[outcome]! : null;
}

/** A proposed draft as the user must read it before confirming: who gets it, and every word of it. */
function DraftPreview({ draft }: { draft: ProposedDraft }) {
  return (
    <div class="assistant-draft" data-testid="assistant-draft">
      <p>
        To: <strong class="assistant-draft-to">{draft.to}</strong>
        {draft.reply && <span class="assistant-muted"> (a reply in the thread)</span>}
      </p>
      {!draft.toIsContact && (
        <p class="assistant-warning" role="alert">
          This address is not {draft.contactName || "the contact"}'s own ({draft.contactEmail || "none on record"}).
        </p>
      )}
      <p>Subject: {draft.subject}</p>
      {/* Focusable: a long draft scrolls, and every word of it must be reachable from the keyboard. */}
      <pre class="assistant-draft-body" tabIndex={0} aria-label="The draft's text">
        {draft.body}
      </pre>
    </div>
  );
}

const MAX_QUESTION = 4000; // shared/assistant/service.py MAX_QUESTION_CHARS

/**
 * "Ask Rapport": a chat panel on every workspace page. Answers stream in live from Firestore;
 * changes the assistant proposes wait for Confirm or Decline; the panel says when the local
 * stand-in, not Gemini, answered.
 */
export function AssistantPanel({ workspaceId, role, about }: AssistantPanelProps) {
  const { auth, db } = useServices();
  const uid = auth.currentUser?.uid ?? null;
  const [draftResult] = useState(takeDraftResult);
  const [open, setOpen] = useState(draftResult !== null);
  const aboutName = useLiveData<string>(
    open && about ? (onData, onError) => liveRecordName(db, workspaceId, about, onData, onError) : null,
    [db, workspaceId, open, about?.kind, about?.id],
  );
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [question, setQuestion] = useState("");
  const messages = useLiveData<AssistantMessage[]>(
    uid && conversationId ? (onData, onError) => liveAssistant.messages(db, workspaceId, uid, conversationId, onData, onError) : null,
    [db, workspaceId, uid, conversationId],
  );
  const proposals = useLiveData<AssistantProposal[]>(
    uid && conversationId ? (onData, onError) => liveAssistant.proposals(db, workspaceId, uid, conversationId, onData, onError) : null,
    [db, workspaceId, uid, conversationId],
  );
  const [asking, ask] = useAction(async (text: string) => {
    const asked = await assistantApi.ask(auth, workspaceId, text, conversationId, about);
    setConversationId(asked.conversationId);
    setQuestion("");
    return "Asked.";
  });
  const [deciding, decide] = useAction(async (proposalId: string, decision: "confirm" | "decline") => {
    await assistantApi.decide(auth, workspaceId, proposalId, decision);
    return decision === "confirm" ? "Done." : "Declined: nothing changed.";
  });
  const [granting, grant] = useAction(async (proposalId: string) => {
    // Google's consent for drafts only; the callback then creates this draft and brings the user back here.
    window.location.assign(await startDraftGrant(auth, workspaceId, window.location.pathname, proposalId));
    return "Opening Google…";
  });

  if (!open) {
    return (
      <button type="button" class="assistant-toggle" onClick={() => setOpen(true)} aria-expanded="false">
        Ask Rapport
      </button>
    );
  }
  const rows = messages.state === "ready" ? messages.data : [];
  const byId = new Map((proposals.state === "ready" ? proposals.data : []).map((p) => [p.id, p]));
  const canWrite = role !== "viewer";
  return (
    <section class="assistant-panel" aria-label="Ask Rapport">
      <header class="assistant-header">
        <h2>Ask Rapport</h2>
        <button type="button" onClick={() => setOpen(false)} aria-label="Close the assistant">
          ×
        </button>
      </header>
      {about && (
        <p class="assistant-about" data-testid="assistant-about">
          About: {aboutName.state === "ready" ? aboutName.data : `this ${about.kind}`}
        </p>
      )}
      {draftResult && (
        <p class="assistant-notice" role="status">
          {draftResult}
        </p>
      )}
      <ol class="assistant-messages" aria-live="polite">
        {rows.map((message) => (
          <li key={message.id} class={`assistant-message assistant-${message.role}`} data-status={message.status}>
            {message.role === "assistant" && message.status === "queued" && <p class="assistant-muted">Thinking…</p>}
            {message.role === "user" && message.aboutName && <p class="assistant-muted">About: {message.aboutName}</p>}
            {message.text && <p class="assistant-text">{message.text}</p>}
            {message.status === "done" && message.citations.length > 0 && (
              <div class="assistant-citations">
                <p class="assistant-muted">From these messages:</p>
                <ul>
                  {message.citations.map((citation) => {
                    const label = `${citation.source !== null ? `[${citation.source}] ` : ""}${citation.subject || "(no subject)"}${citation.occurredAt ? `, ${citation.occurredAt.slice(0, 10)}` : ""}`;
                    return (
                      <li key={citation.interactionId} data-interaction-id={citation.interactionId}>
                        {citation.contactId ? <Link href={paths.contact(workspaceId, citation.contactId)}>{label}</Link> : label}
                      </li>
                    );
                  })}
                </ul>
              </div>
            )}
            {message.error && (
              <p class="assistant-error" role="alert">
                {message.error}
              </p>
            )}
            {message.proposalIds.map((id) => {
              const proposal = byId.get(id);
              if (!proposal) return null;
              return (
                <div key={id} class="assistant-proposal" data-proposal-status={proposal.status}>
                  <p>{proposal.summary}</p>
                  {proposal.draft && <DraftPreview draft={proposal.draft} />}
                  {proposal.status === "pending" && canWrite && proposal.needsGrant === "gmail.compose" && (
                    <p>
                      Rapport may not write drafts in your Gmail yet.{" "}
                      <button type="button" disabled={granting.state === "pending"} onClick={() => void grant(id)}>
                        Grant Gmail compose
                      </button>
                    </p>
                  )}
                  {proposal.status === "failed" && proposal.error && <p class="assistant-error">{proposal.error}</p>}
                  {proposal.status === "pending" && canWrite ? (
                    <div class="assistant-actions">
                      <button type="button" disabled={deciding.state === "pending"} onClick={() => void decide(id, "confirm")}>
                        Confirm
                      </button>
                      <button type="button" disabled={deciding.state === "pending"} onClick={() => void decide(id, "decline")}>
                        Decline
                      </button>
                    </div>
                  ) : (
                    <p class="assistant-muted">{proposal.status}</p>
                  )}
                </div>
              );
            })}
            {message.role === "assistant" && message.standIn && message.status === "done" && (
              <p class="assistant-muted">Answered by the local stand-in, not Gemini.</p>
            )}
          </li>
        ))}
      </ol>
      {messages.state === "error" && <p role="alert">{describeWorkspaceFailure(messages.error).title}</p>}
      {deciding.state === "failed" && <p role="alert">{deciding.message}</p>}
      {granting.state === "failed" && <p role="alert">{granting.message}</p>}
      <form
        class="assistant-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (question.trim()) void ask(question.trim());
        }}
      >
        <label for="assistant-question">Your question</label>
        <textarea
          id="assistant-question"
          value={question}
          maxLength={MAX_QUESTION}
          rows={2}
          onInput={(event) => setQuestion((event.target as HTMLTextAreaElement).value)}
        />
        <button type="submit" disabled={asking.state === "pending" || !question.trim()}>
          Ask
        </button>
        {asking.state === "failed" && <p role="alert">{asking.message}</p>}
      </form>
    </section>
  );
}
