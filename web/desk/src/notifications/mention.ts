/** Where an @mention is being typed: "@" at the start of the box or after a space, then the
 * handle typed so far up to the caret. Pure, like replies/trigger.ts. */
export interface MentionTrigger {
  start: number;
  end: number;
  query: string;
}

export function findMention(text: string, caret: number): MentionTrigger | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([A-Za-z0-9._+-]{0,40})$/.exec(before);
  if (!match) return null;
  const start = caret - match[2]!.length - 1;
  return { start, end: caret, query: match[2]! };
}
