/**
 * An inbox's email signature as it will go under the agent's reply, filled as the server fills
 * it (inboxes/signatures.py): `{{agent.name}}`, `{{agent.first_name}}` and `{{inbox.name}}`, with
 * an optional fallback after a bar. A variable with no value and no fallback is left out. One
 * pass, as the server's: a value that looks like a variable (an inbox named "Team
 * {{agent.name}}") is shown as it is, never filled or left out in turn.
 */

const BRACES = /\{\{([^{}]*)\}\}/g;
const VARIABLE = /^\s*([A-Za-z0-9_.]{1,64})\s*(?:\|([\s\S]*))?$/;
// A longer fallback makes no variable (replies/variables.py MAX_FALLBACK).
const MAX_FALLBACK = 200;

export function filledSignature(signature: string | null | undefined, values: { authorName: string | null | undefined; inboxName: string }): string | null {
  if (!signature?.trim()) return null;
  const name = (values.authorName ?? "").trim();
  const known: Record<string, string> = {
    "agent.name": name,
    "agent.first_name": name.split(/\s+/)[0] ?? "",
    "inbox.name": values.inboxName.trim(),
  };
  const text = signature.replace(BRACES, (written, inside: string) => {
    const parts = VARIABLE.exec(inside);
    const key = parts?.[1];
    if (!parts || key === undefined || !Object.prototype.hasOwnProperty.call(known, key)) return written;
    const fallback = parts[2]?.trim();
    if (parts[2] !== undefined && (!fallback || fallback.length > MAX_FALLBACK)) return written;
    return known[key] || fallback || "";
  });
  return text.trim() || null;
}
