import { useEffect, useState } from "preact/hooks";
import { findContacts, type ContactChoice } from "../../data/recordLinks";
import { useServices } from "../../lib/services";

interface ContactPickerProps {
  workspaceId: string;
  label: string;
  /** Contacts not to offer (already linked, or the page's own contact). */
  exclude?: readonly string[];
  onPick: (choice: ContactChoice) => void;
  testId?: string;
}

/** Type a name or an address, pick a contact from what starts with it. */
export function ContactPicker({ workspaceId, label, exclude = [], onPick, testId = "contact-picker" }: ContactPickerProps) {
  const { db } = useServices();
  const [text, setText] = useState("");
  const [choices, setChoices] = useState<ContactChoice[]>([]);
  const [failed, setFailed] = useState(false);
  const inputId = `${testId}-input`;

  useEffect(() => {
    let active = true;
    const timer = setTimeout(() => {
      findContacts(db, workspaceId, text)
        .then((found) => {
          if (!active) return;
          setFailed(false);
          setChoices(found);
        })
        .catch(() => active && setFailed(true));
    }, 150);
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [db, workspaceId, text]);

  const shown = choices.filter((choice) => !exclude.includes(choice.id));
  return (
    <div class="picker" data-testid={testId}>
      <label class="attached-form__field" for={inputId}>
        <span>{label}</span>
      </label>
      <input
        id={inputId}
        class="text-input"
        type="search"
        data-testid="picker-input"
        placeholder="Name or email"
        autoComplete="off"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      {failed && <p class="form-error">Could not look up contacts.</p>}
      {text.trim() && shown.length === 0 && !failed && <p class="muted">No contact starts with that.</p>}
      {shown.length > 0 && (
        <ul class="picker__results" aria-label="Matching contacts">
          {shown.map((choice) => (
            <li key={choice.id}>
              <button
                type="button"
                class="button button--small button--quiet"
                data-testid="picker-choice"
                data-contact-id={choice.id}
                onClick={() => {
                  onPick(choice);
                  setText("");
                }}
              >
                {choice.name ? `${choice.name} · ${choice.email}` : choice.email}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
