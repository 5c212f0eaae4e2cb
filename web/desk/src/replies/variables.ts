/**
 * What in a text's double braces is no variable, as the server reads it (replies/variables.py):
 * `{{name}}` or `{{name|fallback}}` with a known name and a fallback that says something. The
 * server refuses to save anything else; the form names it while it is typed.
 */

const BRACES = /\{\{([^{}]*)\}\}/g;
const VARIABLE = /^\s*([A-Za-z0-9_.]{1,64})\s*(?:\|([\s\S]*))?$/;

/** Each `{{…}}` that is no variable, once: its name, or what the braces hold when it is no name. */
export function notVariables(text: string, known: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(BRACES)) {
    const inside = match[1] ?? "";
    const parts = VARIABLE.exec(inside);
    const name = parts?.[1];
    const fallback = parts?.[2];
    const named = parts && (fallback === undefined || fallback.trim()) ? name : undefined;
    const shown = named ?? inside.trim();
    if (named === undefined || !known.has(named)) {
      if (!found.includes(shown)) found.push(shown);
    }
  }
  return found;
}
