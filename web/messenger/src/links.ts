/**
 * The web addresses in a message, so that they can be opened with a tap: a message is text, and
 * only `http:` and `https:` addresses become links (never `javascript:` or `data:`). Punctuation
 * that ends a sentence after an address is not part of it.
 */

export interface Part {
  text: string;
  /** Set when this part is a link. */
  href?: string;
}

const ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"’”»)\]}]+$/;

function trimmed(candidate: string): string {
  let address = candidate.replace(TRAILING, "");
  // A closing parenthesis the address opened is its own (Wikipedia's "Foo_(bar)").
  const rest = candidate.slice(address.length);
  if (rest.startsWith(")") && (address.match(/\(/g)?.length ?? 0) > (address.match(/\)/g)?.length ?? 0)) {
    address += ")";
  }
  return address;
}

function link(address: string): string | undefined {
  try {
    const url = new URL(address);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The message as text and links, in order; together the parts' texts are the message. */
export function linkParts(text: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = trimmed(match[0]);
    const href = link(address);
    if (!href) continue;
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: address, href });
    at = match.index + address.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
