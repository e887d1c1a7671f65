import { useCallback, useEffect, useState } from "preact/hooks";
import { listDeadLetters, replayDeadLetter, type DeadLetter } from "../../data/deadLetters";
import type { MailboxStatus } from "../../data/types";
import { describeApiError } from "../../lib/api";
import { formatFullDateTime, formatRelativeTime } from "../../lib/relativeTime";
import { useServices } from "../../lib/services";
import { useAction } from "../../lib/useAction";
import { StatePanel } from "../StatePanel";

type Loaded = { state: "loading" } | { state: "error"; message: string } | { state: "ready"; letters: DeadLetter[] };

interface DeadLettersTableProps {
  workspaceId: string;
  mailboxes: readonly MailboxStatus[];
  now: number;
}

/** Admins only: mail the pipeline could not take in, by mailbox and reason, each with a Replay. */
export function DeadLettersTable({ workspaceId, mailboxes, now }: DeadLettersTableProps) {
  const { auth } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const reload = useCallback(() => {
    listDeadLetters(auth, workspaceId).then(
      (letters) => setLoaded({ state: "ready", letters }),
      (error: unknown) => setLoaded({ state: "error", message: describeApiError(error) }),
    );
  }, [auth, workspaceId]);
  useEffect(reload, [reload]);
  const emailOf = (mailboxId: string | null) => mailboxes.find((mailbox) => mailbox.id === mailboxId)?.email ?? "—";

  if (loaded.state === "loading") return <StatePanel busy title="Loading dead letters…" />;
  if (loaded.state === "error") return <StatePanel tone="error" title="Dead letters are unavailable" detail={loaded.message} />;
  if (loaded.letters.length === 0) return <p class="muted" data-testid="dead-letters-empty">Nothing is waiting here.</p>;
  return (
    <div class="table-scroll">
      <table class="data-table" data-testid="dead-letters">
        <thead>
          <tr>
            <th scope="col">Mailbox</th>
            <th scope="col">Reason</th>
            <th scope="col" class="hide-narrow">Kept</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {loaded.letters.map((letter) => (
            <DeadLetterRow key={letter.id} letter={letter} workspaceId={workspaceId} email={emailOf(letter.mailboxId)} now={now} onReplayed={reload} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface DeadLetterRowProps {
  letter: DeadLetter;
  workspaceId: string;
  email: string;
  now: number;
  onReplayed: () => void;
}

function DeadLetterRow({ letter, workspaceId, email, now, onReplayed }: DeadLetterRowProps) {
  const { auth } = useServices();
  const [replay, startReplay] = useAction(async () => {
    await replayDeadLetter(auth, workspaceId, letter.id);
    onReplayed();
    return "Sent again";
  });
  const recordedAt = letter.recordedAt ? new Date(letter.recordedAt) : null;
  return (
    <tr data-testid="dead-letter" data-letter-id={letter.id}>
      <td class="ellipsis">{email}</td>
      <td>{letter.reason}</td>
      <td class="hide-narrow">
        {recordedAt ? (
          <time dateTime={recordedAt.toISOString()} title={formatFullDateTime(recordedAt)}>
            {formatRelativeTime(recordedAt, now)}
          </time>
        ) : (
          "—"
        )}
      </td>
      <td class="actions">
        {letter.replayable && (
          <button
            type="button"
            class="button button--small"
            data-testid="replay-dead-letter"
            disabled={replay.state === "pending" || replay.state === "done"}
            title="Send this message through the pipeline again"
            onClick={() => void startReplay()}
          >
            Replay
          </button>
        )}
        {replay.state === "failed" && (
          <span class="action-note action-note--failed" role="alert">
            {replay.message}
          </span>
        )}
      </td>
    </tr>
  );
}
