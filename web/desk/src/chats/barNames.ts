/**
 * Names on the chat bar that tell chats apart. Cutting long names at the end made
 * "Maximilian-Alexander Schmidt" and "Maximilian-Alexander Schneider" both read
 * "Maximilian-Alexander …". Names are cut in the middle instead, as little as the item's width
 * allows (the start and the end of a name are what people recognise), and when two chats still
 * read the same (two visitors with one name), each also shows a second line that differs: the
 * visitor's email, else the chat's number.
 */

/** Whether a text fits its place; without a way to measure, about twenty characters do. */
export type Fits = (text: string) => boolean;
const byLength: Fits = (text) => [...text].length <= 20;

/** "Maximilian-Alexander Schmidt" → "Maximilia…Schmidt": the longest start and end that fit. */
export function shortenMiddle(text: string, fits: Fits = byLength): string {
  if (fits(text)) return text;
  const chars = [...text];
  // The last word whole when it leaves room for a start: "Maximil…Schneider".
  const lastWord = [...(/[\s@.-]([^\s@.-]+)$/.exec(text)?.[1] ?? "")].length;
  const cut = (keep: number) => {
    const tail = Math.min(lastWord || Math.floor(keep * 0.45), Math.floor(keep * 0.65));
    return `${chars.slice(0, keep - tail).join("").trimEnd()}…${chars.slice(chars.length - tail).join("").trimStart()}`;
  };
  // The most characters kept that still fit: fitting only gets easier with fewer.
  let [low, high] = [1, chars.length - 1];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(cut(middle))) low = middle;
    else high = middle - 1;
  }
  return cut(low);
}

export interface BarChat {
  id: number;
  visitor_name: string;
  visitor_email: string | null;
}

export interface BarName {
  /** The whole name, for titles and screen readers. */
  full: string;
  /** What fits on the item. */
  short: string;
  /** A second line when another chat would otherwise read the same; empty otherwise. */
  hint: string;
}

/**
 * The name each chat shows on the bar, keyed by chat id. `fallback` names a visitor who gave
 * none, `chatNumber` words "Chat #12" in the agent's language.
 */
export function barNames(
  chats: readonly BarChat[],
  fallback: string,
  chatNumber: (id: number) => string,
  fit: { name: (chat: BarChat) => Fits; hint: Fits } = { name: () => byLength, hint: byLength },
): Map<number, BarName> {
  const names = new Map<number, BarName>();
  for (const chat of chats) {
    const full = chat.visitor_name.trim() || fallback;
    names.set(chat.id, { full, short: shortenMiddle(full, fit.name(chat)), hint: "" });
  }
  const byShort = new Map<string, BarChat[]>();
  for (const chat of chats) {
    const short = names.get(chat.id)!.short;
    byShort.set(short, [...(byShort.get(short) ?? []), chat]);
  }
  for (const group of byShort.values()) {
    if (group.length < 2) continue;
    // An email tells two visitors apart only when it differs within the group.
    const emails = group.map((chat) => chat.visitor_email?.trim().toLowerCase() ?? "");
    for (const [index, chat] of group.entries()) {
      const email = emails[index] ?? "";
      const unique = email && emails.filter((other) => other === email).length === 1;
      names.get(chat.id)!.hint = unique ? shortenMiddle(email, fit.hint) : chatNumber(chat.id);
    }
  }
  return names;
}
