import type { ContactRow } from "../data/types";
import { formatFullDateTime, formatRelativeTime } from "../lib/relativeTime";
import { initialsOf } from "./AppHeader";
import { Link } from "./Link";

const numberFormat = new Intl.NumberFormat();

export function ContactRowView({ contact, now, href }: { contact: ContactRow; now: number; href: string }) {
  const displayName = contact.name ?? contact.email;
  const last = contact.lastInteractionAt;
  return (
    <Link class="contact" href={href}>
      <span class="avatar" style={{ "--avatar-hue": hueOf(contact.email) }} aria-hidden="true">
        {initialsOf(displayName)}
      </span>
      <span class="contact__identity">
        <span class="contact__name" data-testid="contact-name">
          {displayName}
        </span>
        {contact.name && (
          <span class="contact__email" data-testid="contact-email">
            {contact.email}
          </span>
        )}
      </span>
      <span class={`contact__company${contact.companyName ? "" : " contact__company--none"}`} data-testid="contact-company">
        {contact.companyName ?? "No company"}
      </span>
      <span class="contact__counts">
        <span class="count" data-testid="contact-sent" title="Emails your team sent them">
          <span aria-hidden="true">↗</span> {numberFormat.format(contact.sentCount)}
          <span class="visually-hidden"> sent</span>
        </span>
        <span class="count" data-testid="contact-received" title="Emails they sent your team">
          <span aria-hidden="true">↙</span> {numberFormat.format(contact.receivedCount)}
          <span class="visually-hidden"> received</span>
        </span>
      </span>
      {last ? (
        <time class="contact__last" data-testid="contact-last-interaction" dateTime={last.toISOString()} title={formatFullDateTime(last)}>
          {formatRelativeTime(last, now)}
        </time>
      ) : (
        <span class="contact__last contact__last--none" data-testid="contact-last-interaction">
          —
        </span>
      )}
    </Link>
  );
}

/** A stable colour per address, so a person keeps their avatar colour across sessions. */
function hueOf(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (hash * 31 + text.charCodeAt(index)) | 0;
  return Math.abs(hash) % 360;
}
