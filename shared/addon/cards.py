"""Card v1 JSON for the Gmail sidebar, built from plain values (no I/O).

Every card validates against `GoogleAppsCardV1Card` (chat.v1.json, shipped with google-api-python-client;
tests check each one). Gmail refuses oversized cards, so every text is clipped and every list bounded
here: a sender with 200 aliases or a message with 200 participants still gets a card, shorter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_LINE = 120  # one line of a decorated text: names, titles, companies
MAX_TEXT = 600  # a paragraph: summaries, next steps
MAX_ITEMS = 5  # deals, tasks, interactions, going-cold contacts per section
MAX_CHOICES = 50  # participants and stages offered in a dropdown
MAX_ALIASES = 3
LOGO_URL = "https://www.gstatic.com/images/icons/material/system/2x/people_alt_black_48dp.png"

Card = dict[str, Any]
Widget = dict[str, Any]


def clip(text: str | None, limit: int = MAX_LINE) -> str:
    """At most `limit` characters, ending in an ellipsis when cut; never raises on odd input."""
    value = " ".join(str(text or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _when(ms: int | None) -> str:
    if not ms:
        return "never"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%d %b %Y")


# -- values the cards show ---------------------------------------------------------------------
@dataclass(frozen=True)
class DealLine:
    deal_id: str
    name: str
    stage: str
    value: float = 0.0
    currency: str = "USD"


@dataclass(frozen=True)
class TaskLine:
    title: str
    due: str | None = None
    about: str | None = None


@dataclass(frozen=True)
class TouchLine:
    occurred_ms: int
    direction: str
    teammate: str | None


@dataclass(frozen=True)
class PersonLine:
    email: str
    name: str | None
    last_ms: int | None = None
    score: float | None = None


@dataclass(frozen=True)
class Person:
    contact_id: str
    email: str
    name: str | None
    title: str | None = None
    company: str | None = None
    address: str | None = None  # postal, from their signature or typed on the contact page
    aliases: tuple[str, ...] = ()
    score: float | None = None
    trend: str | None = None
    going_cold: bool = False
    last_ms: int | None = None
    summary: str | None = None
    next_step: str | None = None
    summary_stale: bool = False  # written before the newest mail with them
    deals: tuple[DealLine, ...] = ()
    tasks: tuple[TaskLine, ...] = ()
    touches: tuple[TouchLine, ...] = ()
    knows_best: str | None = None
    knows_best_strength: tuple[int, str] | None = None  # their own score and trend
    weakly_known: bool = False  # nobody on the team counts them among their top contacts


@dataclass(frozen=True)
class Context:
    """What every card of one request shares: where buttons post, the workspace, the web app."""

    action_url: str
    web_app_url: str
    workspace_id: str | None = None
    workspace_name: str | None = None
    several_workspaces: bool = False
    can_block: bool = False
    message_participants: tuple[PersonLine, ...] = field(default=())

    def action(self, name: str, **parameters: str) -> dict[str, Any]:
        values = {"action": name, **({"workspaceId": self.workspace_id} if self.workspace_id else {}), **parameters}
        return {
            "function": self.action_url,
            "parameters": [{"key": key, "value": clip(value, 500)} for key, value in values.items()],
            "loadIndicator": "SPINNER",
        }

    def button(self, text: str, action: str, **parameters: str) -> dict[str, Any]:
        return {"text": text, "onClick": {"action": self.action(action, **parameters)}}

    def link(self, text: str, path: str) -> dict[str, Any]:
        return {"text": text, "onClick": {"openLink": {"url": f"{self.web_app_url.rstrip('/')}{path}"}}}


# -- widgets -----------------------------------------------------------------------------------
def text(label: str | None, value: str, *, bottom: str | None = None, wrap: bool = True) -> Widget:
    decorated: dict[str, Any] = {"text": clip(value, MAX_TEXT) or "—", "wrapText": wrap}
    if label:
        decorated["topLabel"] = clip(label)
    if bottom:
        decorated["bottomLabel"] = clip(bottom)
    return {"decoratedText": decorated}


def paragraph(value: str) -> Widget:
    return {"textParagraph": {"text": clip(value, MAX_TEXT) or "—"}}


def buttons(*items: dict[str, Any]) -> Widget:
    return {"buttonList": {"buttons": list(items)}}


def text_input(name: str, label: str, *, value: str | None = None, multiline: bool = False) -> Widget:
    widget: dict[str, Any] = {"name": name, "label": label, "type": "MULTIPLE_LINE" if multiline else "SINGLE_LINE"}
    if value:
        widget["value"] = clip(value, MAX_LINE)
    return {"textInput": widget}


def dropdown(name: str, label: str, choices: Iterable[tuple[str, str]], *, selected: str | None = None) -> Widget:
    items = [
        {"text": clip(shown, 80), "value": value, "selected": value == selected}
        for value, shown in list(choices)[:MAX_CHOICES]
    ]
    return {"selectionInput": {"name": name, "label": label, "type": "DROPDOWN", "items": items}}


def date_input(name: str, label: str) -> Widget:
    return {"dateTimePicker": {"name": name, "label": label, "type": "DATE_ONLY"}}


def section(widgets: Sequence[Widget], header: str | None = None, *, collapsible: bool = False) -> dict[str, Any]:
    built: dict[str, Any] = {"widgets": list(widgets) or [paragraph("Nothing yet.")]}
    if header:
        built["header"] = clip(header)
    if collapsible:
        built["collapsible"] = True
        built["uncollapsibleWidgetsCount"] = 1
    return built


def card(title: str, sections: Sequence[dict[str, Any]], *, subtitle: str | None = None, name: str) -> Card:
    header: dict[str, Any] = {"title": clip(title) or "Rapport", "imageUrl": LOGO_URL, "imageType": "CIRCLE"}
    if subtitle:
        header["subtitle"] = clip(subtitle)
    return {"name": name, "header": header, "sections": list(sections)}


# -- cards -------------------------------------------------------------------------------------
def notice_card(title: str, message: str, *, link: dict[str, Any] | None = None) -> Card:
    """A plain statement: not signed up, not connected, cannot read this message, refused."""
    widgets: list[Widget] = [paragraph(message)]
    if link is not None:
        widgets.append(buttons(link))
    return card(title, [section(widgets)], name="notice")


def workspace_chooser(context: Context, workspaces: Sequence[tuple[str, str]]) -> Card:
    choices = [buttons(context.button(clip(name, 60), "choose_workspace", chosen=ws_id)) for ws_id, name in workspaces]
    return card(
        "Choose a workspace",
        [section([paragraph("You are in several Rapport workspaces. Which one should the sidebar show?"), *choices])],
        name="workspace-chooser",
    )


def _switcher(context: Context, showing: str) -> list[Widget]:
    if len(context.message_participants) < 2:
        return []
    choices = [(p.email, f"{p.name} <{p.email}>" if p.name else p.email) for p in context.message_participants]
    picker = dropdown("person", "People on this message", choices, selected=showing)
    picker["selectionInput"]["onChangeAction"] = context.action("show_person")
    return [picker]


def _footer(context: Context) -> list[Widget]:
    if not context.several_workspaces:
        return []
    return [buttons(context.button(f"Workspace: {clip(context.workspace_name, 40)} (switch)", "switch_workspace"))]


def person_card(context: Context, person: Person) -> Card:
    """A contact: who they are, how the team stands with them, what is open, and what to do next."""
    about: list[Widget] = _switcher(context, person.email)
    about.append(text("Email", person.email, bottom=", ".join(person.aliases[:MAX_ALIASES]) or None))
    if person.title or person.company:
        about.append(text("Role", " · ".join(clip(v, 60) for v in (person.title, person.company) if v)))
    if person.address:
        about.append(text("Address", clip(person.address, 120)))
    strength = "not measured yet" if person.score is None else f"{round(person.score)} / 100"
    if person.trend:
        strength += f" ({person.trend})"
    about.append(text("Relationship", strength, bottom="Going cold" if person.going_cold else None))
    knows = f"Knows them best: {person.knows_best}" if person.knows_best else None
    if knows and person.knows_best_strength:
        knows += " ({} / 100, {})".format(*person.knows_best_strength)
    about.append(text("Last contact", _when(person.last_ms), bottom=knows))
    if person.weakly_known:
        about.append(buttons(context.button("Find a warm introduction", "intros", email=person.email)))
    if person.summary:
        about.append(text("Summary (before the newest mail)" if person.summary_stale else "Summary", person.summary))
    if person.next_step:
        about.append(text("Next step", person.next_step))
    about.append(buttons(context.link("Open in Rapport", f"/contacts/{person.contact_id}")))

    deals = [
        {
            "decoratedText": {
                "text": clip(deal.name),
                "bottomLabel": clip(f"{deal.stage} · {deal.value:,.0f} {deal.currency}"),
                "wrapText": True,
                "button": context.button("Move", "open_deal", dealId=deal.deal_id),
            }
        }
        for deal in person.deals[:MAX_ITEMS]
    ]
    tasks = [text(f"Due {task.due}" if task.due else "No due date", task.title) for task in person.tasks[:MAX_ITEMS]]
    touches = [
        text(_when(t.occurred_ms), "They wrote" if t.direction == "inbound" else "We wrote", bottom=t.teammate)
        for t in person.touches[:MAX_ITEMS]
    ]
    act = [
        text_input("note", "Add a note", multiline=True),
        buttons(context.button("Save note", "note", email=person.email)),
        text_input("task", "New task"),
        date_input("due", "Due"),
        buttons(context.button("Create task", "task", email=person.email)),
        text_input("deal", "New deal name"),
        buttons(context.button("Create deal", "create_deal", email=person.email)),
        text_input("question", "Ask Rapport about this thread", multiline=True),
        buttons(context.button("Ask Rapport", "ask", email=person.email)),
    ]
    if context.can_block:
        act.append(
            buttons(
                context.button("Block sender", "block_sender", email=person.email),
                context.button("Block domain", "block_domain", email=person.email),
            )
        )
    sections = [
        section(about),
        section(deals, "Open deals"),
        section(tasks, "Open tasks"),
        section(touches, "Recent mail with the team", collapsible=len(touches) > 1),
        section(act, "Act"),
    ]
    if footer := _footer(context):
        sections.append(section(footer))
    return card(person.name or person.email, sections, subtitle=person.company or person.email, name="person")


@dataclass(frozen=True)
class IntroLine:
    teammate: str
    kind: str  # direct | via_contact | colleague (shared/crm/intros.py)
    via: str | None
    score: float


def intros_card(context: Context, email: str, paths: Sequence[IntroLine]) -> Card:
    """Who on the team could introduce the reader to someone they barely know, strongest path first."""
    how = {"direct": "knows them", "via_contact": "through {via}", "colleague": "through {via}, a colleague of theirs"}
    lines = [
        text(
            clip(path.teammate),
            how.get(path.kind, "knows them").format(via=clip(path.via or "someone", 60)),
            bottom=f"Path strength {round(path.score)} / 100",
        )
        for path in paths[:MAX_ITEMS]
    ]
    if not lines:
        lines = [paragraph("Nobody on the team has a path to them yet: no shared mail, no colleague of theirs.")]
    back = buttons(context.button("Back", "show_person", person=email))
    return card("Warm introductions", [section([*lines, back])], subtitle=email, name="intros")


@dataclass(frozen=True)
class Prefill:
    email: str
    name: str | None
    company: str | None
    domain: str | None


def unknown_person_card(context: Context, prefill: Prefill, *, refusal: str | None, policy_note: str | None) -> Card:
    """Someone Rapport does not know: a form prefilled from the message, unless the workspace refuses them."""
    widgets: list[Widget] = _switcher(context, prefill.email)
    if refusal:
        widgets.append(paragraph(refusal))
    else:
        if policy_note:
            widgets.append(paragraph(policy_note))
        widgets += [
            text_input("name", "Name", value=prefill.name),
            text_input("title", "Title"),
            text_input("company", "Company", value=prefill.company),
            buttons(context.button("Create contact", "create_contact", email=prefill.email)),
        ]
        if context.can_block:
            widgets.append(
                buttons(
                    context.button("Block sender", "block_sender", email=prefill.email),
                    context.button("Block domain", "block_domain", email=prefill.email),
                )
            )
    sections = [section(widgets, "Not in Rapport yet")]
    if footer := _footer(context):
        sections.append(section(footer))
    return card(prefill.name or prefill.email, sections, subtitle=prefill.email, name="unknown-person")


def teammate_card(context: Context, email: str) -> Card:
    sections = [
        section(
            [
                *_switcher(context, email),
                paragraph(f"{email} is on your team: Rapport keeps no contact for colleagues."),
            ]
        )
    ]
    return card(email, sections, name="teammate")


def deal_card(context: Context, deal: DealLine, stages: Sequence[tuple[str, str]], *, email: str) -> Card:
    widgets = [
        text("Deal", deal.name, bottom=f"{deal.value:,.0f} {deal.currency}"),
        dropdown("stage", "Stage", stages, selected=deal.stage),
        buttons(context.button("Move deal", "move_deal", dealId=deal.deal_id, email=email)),
        buttons(context.link("Open in Rapport", f"/deals/{deal.deal_id}")),
    ]
    return card(deal.name, [section(widgets)], subtitle="Move to another stage", name="deal")


def homepage_card(
    context: Context, *, cold: Sequence[PersonLine], tasks: Sequence[TaskLine], recent: Sequence[PersonLine]
) -> Card:
    def people(lines: Sequence[PersonLine]) -> list[Widget]:
        return [
            {
                "decoratedText": {
                    "text": clip(line.name or line.email),
                    "bottomLabel": clip(f"{line.email} · last {_when(line.last_ms)}"),
                    "wrapText": True,
                    "onClick": {"action": context.action("show_person", person=line.email)},
                }
            }
            for line in lines[:MAX_ITEMS]
        ]

    sections = [
        section(people(cold), "Going cold"),
        section(
            [text(f"Due {t.due}" if t.due else "No due date", t.title, bottom=t.about) for t in tasks[:MAX_ITEMS]],
            "Your tasks",
        ),
        section(people(recent), "Recent activity"),
        section([buttons(context.link("Open Rapport", "/"))]),
    ]
    if footer := _footer(context):
        sections.append(section(footer))
    return card("Rapport", sections, subtitle=context.workspace_name, name="homepage")


# -- responses ---------------------------------------------------------------------------------
def push(card_json: Card) -> dict[str, Any]:
    return {"renderActions": {"action": {"navigations": [{"pushCard": card_json}]}}}


def update(card_json: Card, notification: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"navigations": [{"updateCard": card_json}]}
    if notification:
        action["notification"] = {"text": clip(notification, 200)}
    return {"renderActions": {"action": action}}
