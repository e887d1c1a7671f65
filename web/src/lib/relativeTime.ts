const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const sameYearDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const otherYearDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
const fullDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "just now", "5 minutes ago", "yesterday", "3 days ago" (or "in 2 hours", "tomorrow" ahead), then a plain date. */
export function formatRelativeTime(date: Date, now: number): string {
  const elapsed = now - date.getTime();
  // Small clock differences between machines can put a fresh write slightly in the future.
  if (Math.abs(elapsed) < 45 * SECOND) return "just now";
  const span = Math.abs(elapsed);
  const sign = elapsed < 0 ? 1 : -1; // a meeting to come is ahead
  if (span < HOUR) return relative.format(sign * Math.round(span / MINUTE), "minute");
  if (span < DAY) return relative.format(sign * Math.round(span / HOUR), "hour");
  if (span < 7 * DAY) return relative.format(sign * Math.round(span / DAY), "day");
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return (sameYear ? sameYearDate : otherYearDate).format(date);
}

export function formatFullDateTime(date: Date): string {
  return fullDateTime.format(date);
}
