/** The parts of Google's Card v1 (GoogleAppsCardV1Card in chat.v1.json) the Gmail sidebar renders. */

export type ActionParameter = { key: string; value: string };
export type CardAction = { function: string; parameters?: ActionParameter[]; loadIndicator?: string };
export type OnClick = { action?: CardAction; openLink?: { url: string } };
export type Button = { text: string; onClick?: OnClick };
export type SelectionItem = { text: string; value: string; selected?: boolean };

export type Widget = {
  textParagraph?: { text: string };
  decoratedText?: {
    topLabel?: string;
    text: string;
    bottomLabel?: string;
    wrapText?: boolean;
    button?: Button;
    onClick?: OnClick;
  };
  buttonList?: { buttons: Button[] };
  textInput?: { name: string; label?: string; type?: "SINGLE_LINE" | "MULTIPLE_LINE"; value?: string; hintText?: string };
  selectionInput?: {
    name: string;
    label?: string;
    type?: string;
    items?: SelectionItem[];
    onChangeAction?: CardAction;
  };
  dateTimePicker?: { name: string; label?: string; type?: string; valueMsEpoch?: string };
  divider?: Record<string, never>;
};

export type Section = { header?: string; widgets?: Widget[]; collapsible?: boolean; uncollapsibleWidgetsCount?: number };
export type Card = { name?: string; header?: { title?: string; subtitle?: string; imageUrl?: string }; sections?: Section[] };

export type Navigation = { pushCard?: Card; updateCard?: Card; popCard?: boolean };
export type AddonAnswer = {
  renderActions?: { action?: { navigations?: Navigation[]; notification?: { text: string } } };
  error?: string;
};

/** What the sidebar sends back when a card's action fires: its text inputs and dropdowns, and its dates. */
export type FormValues = Record<string, string | number>;
