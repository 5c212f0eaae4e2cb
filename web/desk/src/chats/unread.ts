/** Unread visitor messages of the chats the agent is in, kept from events rather than fetched
 * again: the count a list fetch gave up to that chat's `last_seq`, plus the visitor messages heard
 * since, less what the agent's read mark has passed. Applying the same event twice changes
 * nothing, so events heard while a fetch was out can safely be applied again on top of it. */
import { reactive } from "vue";

interface Tally {
  count: number; // visitor messages after the read mark, up to `upTo` (from a fetch)
  upTo: number;
  readSeq: number; // the read mark as far as events told us
  heard: number[]; // seqs of visitor messages after `upTo`
}

export function unreadTally() {
  const tallies = reactive<Record<number, Tally>>({});

  const tally = (chatId: number): Tally => (tallies[chatId] ??= { count: 0, upTo: 0, readSeq: 0, heard: [] });

  /** A list fetch said `count` unread up to `upTo`; an older answer than what we hold is ignored. */
  function fetched(chatId: number, count: number, upTo: number): void {
    const t = tally(chatId);
    if (upTo < t.upTo) return;
    t.count = count;
    t.upTo = upTo;
    t.heard = t.heard.filter((seq) => seq > upTo);
  }

  function visitorMessage(chatId: number, seq: number): void {
    const t = tally(chatId);
    if (seq > t.upTo && !t.heard.includes(seq)) t.heard.push(seq);
  }

  /** The agent's read mark moved to `seq`. False when it stopped inside the fetched range, whose
   * count we cannot split: the caller fetches again. */
  function read(chatId: number, seq: number): boolean {
    const t = tally(chatId);
    t.readSeq = Math.max(t.readSeq, seq);
    return t.readSeq >= t.upTo || t.count === 0;
  }

  function unread(chatId: number): number {
    const t = tallies[chatId];
    if (!t) return 0;
    const after = Math.max(t.upTo, t.readSeq);
    return (t.readSeq >= t.upTo ? 0 : t.count) + t.heard.filter((seq) => seq > after).length;
  }

  function forget(chatId: number): void {
    delete tallies[chatId];
  }

  function clear(): void {
    for (const id of Object.keys(tallies)) delete tallies[Number(id)];
  }

  return { fetched, visitorMessage, read, unread, forget, clear };
}
