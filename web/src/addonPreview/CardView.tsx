import { useEffect, useState } from "preact/hooks";
import type { Button, Card, CardAction, FormValues, OnClick, Section, Widget } from "./cardTypes";

type Props = { card: Card; busy: boolean; onAction: (action: CardAction, form: FormValues) => void };

/** Renders one Card v1 as Gmail's sidebar lays it out: a header, then sections of widgets. Inputs keep
 * their values here and travel with any action, as Gmail sends `formInputs` with every click. */
export function CardView({ card, busy, onAction }: Props) {
  const [form, setForm] = useState<FormValues>(() => initialValues(card));
  useEffect(() => setForm(initialValues(card)), [card]);
  const set = (name: string, value: string | number) => setForm((current) => ({ ...current, [name]: value }));
  const fire = (action: CardAction, extra: FormValues = {}) => onAction(action, { ...form, ...extra });

  return (
    <article class="addon-card" aria-busy={busy} data-testid="addon-card" data-card-name={card.name ?? ""}>
      {card.header && (
        <header class="addon-card-header">
          <h2>{card.header.title}</h2>
          {card.header.subtitle && <p>{card.header.subtitle}</p>}
        </header>
      )}
      {(card.sections ?? []).map((section, index) => (
        <SectionView key={index} section={section} form={form} set={set} fire={fire} busy={busy} />
      ))}
    </article>
  );
}

type WidgetProps = {
  form: FormValues;
  set: (name: string, value: string | number) => void;
  fire: (action: CardAction, extra?: FormValues) => void;
  busy: boolean;
};

function SectionView({ section, ...props }: { section: Section } & WidgetProps) {
  const widgets = section.widgets ?? [];
  const [open, setOpen] = useState(!section.collapsible);
  const shown = open ? widgets : widgets.slice(0, section.uncollapsibleWidgetsCount ?? 0);
  return (
    <section class="addon-section">
      {section.header && <h3>{section.header}</h3>}
      {shown.map((widget, index) => (
        <WidgetView key={index} widget={widget} {...props} />
      ))}
      {section.collapsible && widgets.length > shown.length && (
        <button type="button" class="addon-link-button" onClick={() => setOpen(true)}>
          Show more
        </button>
      )}
    </section>
  );
}

function WidgetView({ widget, form, set, fire, busy }: { widget: Widget } & WidgetProps) {
  if (widget.textParagraph) return <p class="addon-paragraph">{widget.textParagraph.text}</p>;
  if (widget.divider) return <hr />;
  if (widget.decoratedText) {
    const decorated = widget.decoratedText;
    const body = (
      <>
        {decorated.topLabel && <span class="addon-top-label">{decorated.topLabel}</span>}
        <span class="addon-text">{decorated.text}</span>
        {decorated.bottomLabel && <span class="addon-bottom-label">{decorated.bottomLabel}</span>}
      </>
    );
    return (
      <div class="addon-decorated">
        {decorated.onClick ? (
          <ClickTarget onClick={decorated.onClick} fire={fire} busy={busy} className="addon-decorated-body">
            {body}
          </ClickTarget>
        ) : (
          <div class="addon-decorated-body">{body}</div>
        )}
        {decorated.button && <ButtonView button={decorated.button} fire={fire} busy={busy} />}
      </div>
    );
  }
  if (widget.buttonList) {
    return (
      <div class="addon-buttons">
        {widget.buttonList.buttons.map((button, index) => (
          <ButtonView key={index} button={button} fire={fire} busy={busy} />
        ))}
      </div>
    );
  }
  if (widget.textInput) {
    const input = widget.textInput;
    const id = `addon-input-${input.name}`;
    const value = String(form[input.name] ?? "");
    return (
      <div class="addon-field">
        <label for={id}>{input.label ?? input.name}</label>
        {input.type === "MULTIPLE_LINE" ? (
          <textarea id={id} rows={3} value={value} onInput={(event) => set(input.name, event.currentTarget.value)} />
        ) : (
          <input id={id} type="text" value={value} onInput={(event) => set(input.name, event.currentTarget.value)} />
        )}
      </div>
    );
  }
  if (widget.selectionInput) {
    const selection = widget.selectionInput;
    const id = `addon-select-${selection.name}`;
    return (
      <div class="addon-field">
        <label for={id}>{selection.label ?? selection.name}</label>
        <select
          id={id}
          value={String(form[selection.name] ?? "")}
          disabled={busy}
          onChange={(event) => {
            const value = event.currentTarget.value;
            set(selection.name, value);
            if (selection.onChangeAction) fire(selection.onChangeAction, { [selection.name]: value });
          }}
        >
          {(selection.items ?? []).map((item) => (
            <option key={item.value} value={item.value}>
              {item.text}
            </option>
          ))}
        </select>
      </div>
    );
  }
  if (widget.dateTimePicker) {
    const picker = widget.dateTimePicker;
    const id = `addon-date-${picker.name}`;
    const ms = form[picker.name];
    return (
      <div class="addon-field">
        <label for={id}>{picker.label ?? picker.name}</label>
        <input
          id={id}
          type="date"
          value={typeof ms === "number" ? new Date(ms).toISOString().slice(0, 10) : ""}
          onInput={(event) => {
            const parsed = Date.parse(`${event.currentTarget.value}T00:00:00Z`);
            set(picker.name, Number.isNaN(parsed) ? "" : parsed);
          }}
        />
      </div>
    );
  }
  return <p class="addon-unknown">(a widget this preview does not draw)</p>;
}

function ButtonView({ button, fire, busy }: { button: Button; fire: WidgetProps["fire"]; busy: boolean }) {
  if (!button.onClick) return <span class="addon-button">{button.text}</span>;
  return (
    <ClickTarget onClick={button.onClick} fire={fire} busy={busy} className="addon-button">
      {button.text}
    </ClickTarget>
  );
}

function ClickTarget({
  onClick,
  fire,
  busy,
  className,
  children,
}: {
  onClick: OnClick;
  fire: WidgetProps["fire"];
  busy: boolean;
  className: string;
  children: preact.ComponentChildren;
}) {
  if (onClick.openLink) {
    return (
      <a class={className} href={onClick.openLink.url} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  }
  const action = onClick.action;
  return (
    <button type="button" class={className} disabled={busy || !action} onClick={() => action && fire(action)}>
      {children}
    </button>
  );
}

function initialValues(card: Card): FormValues {
  const values: FormValues = {};
  for (const section of card.sections ?? []) {
    for (const widget of section.widgets ?? []) {
      if (widget.textInput) values[widget.textInput.name] = widget.textInput.value ?? "";
      if (widget.selectionInput) {
        const items = widget.selectionInput.items ?? [];
        values[widget.selectionInput.name] = (items.find((item) => item.selected) ?? items[0])?.value ?? "";
      }
    }
  }
  return values;
}
