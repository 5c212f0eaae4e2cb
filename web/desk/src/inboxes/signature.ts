/**
 * An inbox's email signature as it will go under the agent's reply, filled as the server fills
 * it (inboxes/signatures.py): `{{agent.name}}`, `{{agent.first_name}}`, `{{agent.signature}}` (the
 * agent's own, from Preferences) and `{{inbox.name}}`, with an optional fallback after a bar. A
 * variable with no value and no fallback is left out, and so is a line it leaves empty (with one
 * blank line beside it when it stood between two). An inbox without a signature signs with the
 * agent's own, as written. One pass, as the server's: a value that looks like a variable (an
 * inbox named "Team {{agent.name}}") is shown as it is, never filled or left out in turn.
 */

const BRACES = /\{\{([^{}]*)\}\}/g;
const VARIABLE = /^\s*([A-Za-z0-9_.]{1,64})\s*(?:\|([\s\S]*))?$/;
// A longer fallback makes no variable (replies/variables.py MAX_FALLBACK).
const MAX_FALLBACK = 200;

export interface SignatureValues {
  authorName: string | null | undefined;
  inboxName: string;
  /** The agent's own signature (`email_signature` of /me). */
  authorSignature?: string | null | undefined;
}

/** One piece of a line of the inbox's text: what it shows, and whether a variable left it out. */
type Piece = { text: string; leftOut: boolean };

export function filledSignature(signature: string | null | undefined, values: SignatureValues): string | null {
  const own = values.authorSignature?.trim() || null;
  if (!signature?.trim()) return own;
  const name = (values.authorName ?? "").trim();
  const known: Record<string, string> = {
    "agent.name": name,
    "agent.first_name": name.split(/\s+/)[0] ?? "",
    "agent.signature": own ?? "",
    "inbox.name": values.inboxName.trim(),
  };
  // The text's own lines, each as its pieces; a value's line ends stay inside its piece.
  const lines: Piece[][] = [[]];
  const written = (part: string): void => {
    const [first = "", ...rest] = part.split("\n");
    lines[lines.length - 1]!.push({ text: first, leftOut: false });
    for (const piece of rest) lines.push([{ text: piece, leftOut: false }]);
  };
  let end = 0;
  for (const match of signature.matchAll(BRACES)) {
    const at = match.index;
    written(signature.slice(end, at));
    end = at + match[0].length;
    const parts = VARIABLE.exec(match[1] ?? "");
    const key = parts?.[1];
    const fallback = parts?.[2]?.trim();
    const noVariable = !parts || key === undefined || !Object.prototype.hasOwnProperty.call(known, key);
    if (noVariable || (parts[2] !== undefined && (!fallback || fallback.length > MAX_FALLBACK))) {
      written(match[0]);
      continue;
    }
    const value = known[key]?.trim() || fallback || "";
    lines[lines.length - 1]!.push({ text: value, leftOut: !value });
  }
  written(signature.slice(end));

  const kept: string[] = [];
  let gap = false; // a line was left out since the last one kept
  for (const pieces of lines) {
    const line = pieces.map((piece) => piece.text).join("");
    const blank = !line.trim();
    if (blank && pieces.some((piece) => piece.leftOut)) {
      gap = true;
      continue;
    }
    if (gap && blank && kept.length && !kept[kept.length - 1]!.trim()) {
      gap = false;
      continue;
    }
    kept.push(line);
    gap = false;
  }
  return kept.join("\n").trim() || null;
}
