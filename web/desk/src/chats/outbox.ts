/**
 * The agent's messages on their way, a lane per chat (docs/desk.md, "A chat"): sent one at a
 * time in the order written, each only once the one before it is stored, so the customer, the
 * ticket and the emailed transcript have them in that order or not at all.
 *
 * - A message of files is in the lane like a text: its files upload as soon as they are picked
 *   (an upload is no message: it cannot overtake one), and its message is sent in its turn, once
 *   they are stored (the courier's `send` sees to both).
 * - Trouble that passes (no connection, the server restarting, its database out of reach, a rate
 *   limit) holds the lane: the first message is sent again by itself (after the wait the server
 *   asks for, or at once when `wake` says the connection is back, unless a rate limit is waited
 *   out) and the ones after it wait, new ones too.
 *   They all say what is waited out (`trouble`): the connection, a rate limit, a busy server.
 * - After PATIENCE_MS of such trouble the desk stops trying: the lane's messages show "Not sent"
 *   and stay in order. Retry on any of them, or a new message, sends them again, in order.
 *   Discard takes one message out; the others stay stopped until Retry or a new message, so
 *   nothing goes on by itself after the agent was told it would not.
 * - A message the server refuses (the chat has ended, too long) is never sent: it shows "Not
 *   sent" with the reason and its text, and leaves the lane so the ones after it go on.
 * - A message stays listed until the chat's events show it stored (`seen`), whichever way they
 *   come: live, in a resume's replay, or in a fetched snapshot. One discarded that the server had
 *   stored after all (its answer lost) shows with the chat's messages then, as sent.
 *
 * No Vue and no network here: the store hands in its reactive lists and the way to send, and
 * tests/outbox.test.ts holds these rules with a fake server and clock.
 */

export type OutgoingState = "sending" | "waiting" | "stopped" | "refused" | "stored";

/** What a waiting lane waits out: no connection (or an answer that never came), a rate limit
 * (429 `rate_limited`), the server busy (503, its database out of reach), an error of its own
 * (500 and the other 5xx). */
export type Trouble = "connection" | "limited" | "busy" | "error";

/** A message of files: their names and how far their upload has come (0 to 1). */
export interface OutgoingFiles {
  names: string;
  progress: number;
}

export interface Outgoing {
  client_msg_id: string;
  text: string;
  /** The files it sends; null for a text. */
  files: OutgoingFiles | null;
  /**
   * sending: on its way, or waiting its turn; waiting: the server could not be reached (or could
   * not take it) on the last try, tried again by itself; stopped: not sent after PATIENCE_MS,
   * kept in order until Retry; refused: the server refused it for good; stored: the server has
   * it, listed until the chat's event shows it.
   */
  state: OutgoingState;
  /** Why it was not sent (stopped or refused), shown beside its text; null otherwise. */
  failed: string | null;
  /** What it waits out (waiting), for the words the agent reads; null otherwise. */
  trouble: Trouble | null;
}

/** What the lane needs from the rest of the desk. */
export interface Courier {
  /** Sends one message (over the socket, else HTTP); resolves once the server has stored it. */
  send(chatId: number, item: Outgoing): Promise<void>;
  /** When the trouble passes, the seconds to wait before sending again and what it is; null when
   * the message was refused for good. */
  passing(error: unknown): { wait: number; trouble: Trouble } | null;
  /** The words for an error, in the agent's language. */
  describe(error: unknown): string;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** How long trouble that passes is waited out before the desk stops trying: longer than a
 * restart of the server plus the socket's longest back-off (15 s), many times over. */
export const PATIENCE_MS = 120_000;

export class Outbox {
  private readonly running = new Set<number>();
  private readonly wakers = new Map<number, () => void>();

  constructor(
    /** Each chat's messages not shown stored yet, in the order written: what the window draws. */
    readonly lists: Record<number, Outgoing[]>,
    private readonly courier: Courier,
  ) {}

  /** A new message (of files, with `files`), after those already in the lane; a stopped lane is
   * tried again with it. */
  add(chatId: number, clientMsgId: string, text: string, files: OutgoingFiles | null = null): void {
    // Behind messages waiting out trouble it waits too, and says so.
    const trouble = this.lane(chatId).find((o) => o.state === "waiting")?.trouble ?? null;
    const state = trouble ? "waiting" : "sending";
    (this.lists[chatId] ??= []).push({ client_msg_id: clientMsgId, text, files, state, failed: null, trouble });
    this.restart(chatId);
  }

  /** Discard: a message not sent (stopped or refused) leaves the list, and is never sent. The
   * lane's other stopped messages stay stopped: they go on with Retry or a new message, in order,
   * and none of them goes by itself because one before it left. */
  discard(chatId: number, clientMsgId: string): boolean {
    const list = this.lists[chatId] ?? [];
    const at = list.findIndex((o) => o.client_msg_id === clientMsgId);
    if (at < 0 || (list[at].state !== "stopped" && list[at].state !== "refused")) return false;
    list.splice(at, 1);
    return true;
  }

  /** Retry: a stopped message is sent again with the whole lane, in order; a refused one is sent
   * again now, after the messages written since. */
  retry(chatId: number, clientMsgId: string): void {
    const list = this.lists[chatId] ?? [];
    const at = list.findIndex((o) => o.client_msg_id === clientMsgId);
    if (at < 0) return;
    if (list[at].state === "refused") {
      const [item] = list.splice(at, 1);
      list.push(item);
      Object.assign(list[list.length - 1], { state: "sending", failed: null, trouble: null });
    }
    this.restart(chatId);
  }

  /** The chat's events show these client ids stored: their messages leave the list. */
  seen(chatId: number, clientMsgIds: Iterable<string | null | undefined>): void {
    const list = this.lists[chatId];
    if (!list?.length) return;
    const stored = new Set(clientMsgIds);
    if (!list.some((o) => stored.has(o.client_msg_id))) return;
    this.lists[chatId] = list.filter((o) => !stored.has(o.client_msg_id));
    this.wake(chatId);
  }

  /** The connection is back (or the lane has news): a lane waiting out trouble tries now. */
  wake(chatId?: number): void {
    for (const [id, wake] of [...this.wakers]) {
      if (chatId === undefined || id === chatId) wake();
    }
  }

  /** Whether a message of the chat is still to be sent (the store keeps holding the chat then). */
  busy(chatId: number): boolean {
    return this.lane(chatId).some((o) => o.state === "sending" || o.state === "waiting");
  }

  /** The messages in the lane: all but those refused and those already stored. */
  private lane(chatId: number): Outgoing[] {
    return (this.lists[chatId] ?? []).filter((o) => o.state !== "refused" && o.state !== "stored");
  }

  private find(chatId: number, clientMsgId: string): Outgoing | undefined {
    return this.lists[chatId]?.find((o) => o.client_msg_id === clientMsgId);
  }

  private restart(chatId: number): void {
    for (const item of this.lane(chatId)) {
      if (item.state === "stopped") Object.assign(item, { state: "sending", failed: null, trouble: null });
    }
    // A lane at work takes it in its turn: a new message does not cut short the wait the server
    // asked for.
    if (!this.running.has(chatId)) void this.run(chatId);
  }

  /** The lane's one worker: the first message, until it is stored or refused, then the next. */
  private async run(chatId: number): Promise<void> {
    this.running.add(chatId);
    let troubleSince: number | null = null;
    try {
      for (;;) {
        const head = this.lane(chatId)[0];
        if (!head || head.state === "stopped") return;
        const clientMsgId = head.client_msg_id;
        try {
          await this.courier.send(chatId, head);
          troubleSince = null;
          const item = this.find(chatId, clientMsgId);
          if (item) Object.assign(item, { state: "stored", failed: null, trouble: null });
          for (const next of this.lane(chatId)) if (next.state === "waiting") Object.assign(next, { state: "sending", trouble: null });
        } catch (error) {
          const item = this.find(chatId, clientMsgId);
          if (!item || item.state === "stored") continue; // stored after all: its event said so
          const passing = this.courier.passing(error);
          if (passing === null) {
            Object.assign(item, { state: "refused", failed: this.courier.describe(error), trouble: null });
            continue;
          }
          const now = this.courier.now();
          troubleSince ??= now;
          if (now - troubleSince >= PATIENCE_MS) {
            const why = this.courier.describe(error);
            for (const held of this.lane(chatId)) Object.assign(held, { state: "stopped", failed: why, trouble: null });
            return;
          }
          for (const held of this.lane(chatId)) Object.assign(held, { state: "waiting", trouble: passing.trouble });
          // A long rate limit is not waited out past the patience: the agent hears of it then.
          const ms = Math.max(1000, Math.min(passing.wait * 1000, troubleSince + PATIENCE_MS - now));
          // The connection coming back cuts a wait short; it does not lift a rate limit.
          await this.pause(chatId, ms, passing.trouble !== "limited");
        }
      }
    } finally {
      this.running.delete(chatId);
      this.wakers.delete(chatId);
    }
  }

  private pause(chatId: number, ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((done) => {
      if (wakeable) this.wakers.set(chatId, done);
      void this.courier.sleep(ms).then(done);
    }).finally(() => this.wakers.delete(chatId));
  }
}
