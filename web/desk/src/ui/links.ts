/**
 * A URL that came from a visitor or a customer, as a link target: only http(s). Anything else
 * (`javascript:`, `data:`, a relative path) is shown as text and never followed, so a page URL a
 * visitor made up cannot run in the desk.
 */
export function webLink(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
