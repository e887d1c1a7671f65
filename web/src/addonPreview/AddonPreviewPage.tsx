import { useEffect, useState } from "preact/hooks";
import { CardView } from "./CardView";
import type { AddonAnswer, Card, CardAction, FormValues } from "./cardTypes";
import "./addonPreview.css";

/** The local stack's endpoint that plays Gmail: it signs the event as Google would and answers what the
 * add-on's function answered (devstack/web_server.py). Production Hosting has no such path. */
const GMAIL_STAND_IN = "/_dev/addon";

type Asked = { function: string; parameters?: Record<string, string>; form?: FormValues };

/** `/addon-preview?message=ID[&as=EMAIL]`: the Gmail sidebar's exact card JSON for a demo message, drawn
 * as Gmail draws it, its buttons live. Without `message`, the sidebar's homepage. */
export function AddonPreviewPage() {
  const query = new URLSearchParams(window.location.search);
  const messageId = query.get("message");
  const user = query.get("as");
  const [cards, setCards] = useState<Card[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  const [raw, setRaw] = useState<string>("");

  const ask = async (asked: Asked) => {
    setBusy(true);
    setProblem(null);
    try {
      const response = await fetch(GMAIL_STAND_IN, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...asked, messageId, user }),
      });
      const answer = (await response.json()) as AddonAnswer;
      setRaw(JSON.stringify(answer, null, 2));
      const action = answer.renderActions?.action;
      if (!action) {
        setProblem(answer.error ?? `The add-on answered ${response.status} without a card.`);
        return;
      }
      setNotice(action.notification?.text ?? null);
      setCards((stack) => {
        let next = stack;
        for (const navigation of action.navigations ?? []) {
          if (navigation.pushCard) next = [...next, navigation.pushCard];
          if (navigation.updateCard) next = [...next.slice(0, -1), navigation.updateCard];
          if (navigation.popCard) next = next.slice(0, -1);
        }
        return next;
      });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void ask({ function: messageId ? "addon-message" : "addon-homepage" });
  }, []);

  const onAction = (action: CardAction, form: FormValues) => {
    const parameters = Object.fromEntries((action.parameters ?? []).map(({ key, value }) => [key, value]));
    void ask({ function: "addon-action", parameters, form });
  };
  const card = cards[cards.length - 1];

  return (
    <main class="addon-preview">
      <h1>Gmail sidebar preview</h1>
      <p class="addon-preview-about">
        {messageId ? `Message ${messageId}` : "No message open: the homepage"}
        {user ? `, as ${user}` : ""}. The card below is the exact JSON the add-on answered, drawn as Gmail draws Card v1.
      </p>
      <div class="addon-preview-layout">
        <aside class="addon-sidebar" aria-label="Rapport sidebar">
          {cards.length > 1 && (
            <button type="button" class="addon-link-button" onClick={() => setCards((stack) => stack.slice(0, -1))}>
              ← Back
            </button>
          )}
          <p role="status" class="addon-notice" data-testid="addon-notification">
            {notice ?? ""}
          </p>
          {problem && (
            <p role="alert" class="addon-problem">
              {problem}
            </p>
          )}
          {card ? <CardView card={card} busy={busy} onAction={onAction} /> : !problem && <p>Loading the card…</p>}
        </aside>
        <details class="addon-json">
          <summary>Card JSON</summary>
          <pre data-testid="addon-json">{raw}</pre>
        </details>
      </div>
    </main>
  );
}
