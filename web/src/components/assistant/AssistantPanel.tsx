import { useState } from "preact/hooks";
import { assistantApi, liveAssistant, type AssistantMessage, type AssistantProposal } from "../../data/assistant";
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
}

const MAX_QUESTION = 4000; // shared/assistant/service.py MAX_QUESTION_CHARS

/**
 * "Ask Rapport": a chat panel on every workspace page. Answers stream in live from Firestore;
 * changes the assistant proposes wait for Confirm or Decline; the panel says when the local
 * stand-in, not Gemini, answered.
 */
export function AssistantPanel({ workspaceId, role }: AssistantPanelProps) {
  const { auth, db } = useServices();
  const uid = auth.currentUser?.uid ?? null;
  const [open, setOpen] = useState(false);
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
    const asked = await assistantApi.ask(auth, workspaceId, text, conversationId);
    setConversationId(asked.conversationId);
    setQuestion("");
    return "Asked.";
  });
  const [deciding, decide] = useAction(async (proposalId: string, decision: "confirm" | "decline") => {
    await assistantApi.decide(auth, workspaceId, proposalId, decision);
    return decision === "confirm" ? "Done." : "Declined: nothing changed.";
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
      <ol class="assistant-messages" aria-live="polite">
        {rows.map((message) => (
          <li key={message.id} class={`assistant-message assistant-${message.role}`} data-status={message.status}>
            {message.role === "assistant" && message.status === "queued" && <p class="assistant-muted">Thinking…</p>}
            {message.text && <p class="assistant-text">{message.text}</p>}
            {message.status === "done" && message.citations.length > 0 && (
              <div class="assistant-citations">
                <p class="assistant-muted">From these messages:</p>
                <ul>
                  {message.citations.map((citation) => {
                    const label = `${citation.subject || "(no subject)"}${citation.occurredAt ? `, ${citation.occurredAt.slice(0, 10)}` : ""}`;
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
