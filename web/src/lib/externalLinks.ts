/**
 * Links made from data (a website in a signature, a profile an enrichment found) are text from mail, so
 * they become an `href` only with a scheme that navigates somewhere: a `javascript:` or `data:` URL is
 * shown as the text it is, never made clickable.
 */
const NAVIGABLE_SCHEMES = new Set(["http:", "https:", "mailto:", "tel:"]);

/** The value as an href when its scheme is one a person can follow safely, else null. */
export function safeHref(value: string): string | null {
  const text = value.trim();
  // A bare "www.example.com" in a signature means the website.
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  return NAVIGABLE_SCHEMES.has(url.protocol) ? url.href : null;
}
