/**
 * Where a saved-reply search is being typed: a "/" at the start of the box or of a word, and the
 * text from it to the caret ("/refund" → "refund"). Pure, so that it can be reasoned about alone.
 */
export interface Trigger {
  /** Index of the "/" in the text. */
  start: number;
  /** Index of the caret: the "/" and the query end there. */
  end: number;
  query: string;
}

const MAX_QUERY = 40;

export function findTrigger(text: string, caret: number): Trigger | null {
  const before = text.slice(0, caret);
  const slash = before.lastIndexOf("/");
  if (slash < 0) return null;
  const query = before.slice(slash + 1);
  // "/" starts the box or a word (so "and/or" and "https://…" are left alone); the query is one
  // line, not too long, and does not start with a space ("/ " is just a slash).
  if (slash > 0 && !/\s/.test(before[slash - 1] ?? "")) return null;
  if (query.length > MAX_QUERY || query.includes("\n") || /^\s/.test(query) || query.includes("/")) return null;
  return { start: slash, end: caret, query };
}

/** The text with the trigger replaced by `insert`, and where the caret goes after it. */
export function replaceTrigger(text: string, trigger: Trigger, insert: string): { text: string; caret: number } {
  return { text: text.slice(0, trigger.start) + insert + text.slice(trigger.end), caret: trigger.start + insert.length };
}
