/**
 * The agent's messages on their way, a lane per chat (docs/desk.md, "A chat"): sent one at a
 * time in the order written, each only once the one before it is stored, so the customer, the
 * ticket and the emailed transcript have them in that order or not at all.
 *
 * - Trouble that passes (no connection, the server restarting, its database out of reach, a rate
 *   limit) holds the lane: the first message is sent again by itself (after the wait the server
 *   asks for, or at once when `wake` says the connection is back) and the ones after it wait.
 *   The agent sees "Waiting for the connection…" on all of them.
 * - After PATIENCE_MS of such trouble the desk stops trying: the lane's messages show "Not sent"
 *   and stay in order. Retry on any of them, or a new message, sends them again, in order.
 * - A message the server refuses (the chat has ended, too long) is never sent: it shows "Not
 *   sent" with the reason and its text, and leaves the lane so the ones after it go on.
 * - A message stays listed until the chat's events show it stored (`seen`), whichever way they
 *   come: live, in a resume's replay, or in a fetched snapshot.
 *
 * No Vue and no network here: the store hands in its reactive lists and the way to send, and
 * tests/outbox.test.ts holds these rules with a fake server and clock.
 */

export type OutgoingState = "sending" | "waiting" | "stopped" | "refused" | "stored";

export interface Outgoing {
  client_msg_id: string;
  text: string;
  /**
   * sending: on its way, or waiting its turn; waiting: the server could not be reached (or could
   * not take it) on the last try, tried again by itself; stopped: not sent after PATIENCE_MS,
   * kept in order until Retry; refused: the server refused it for good; stored: the server has
   * it, listed until the chat's event shows it.
   */
  state: OutgoingState;
  /** Why it was not sent (stopped or refused), shown beside its text; null otherwise. */
  failed: string | null;
}

/** What the lane needs from the rest of the desk. */
export interface Courier {
  /** Sends one message (over the socket, else HTTP); resolves once the server has stored it. */
  send(chatId: number, item: Outgoing): Promise<void>;
  /** Seconds to wait before sending again when the trouble passes; null when refused for good. */
  passing(error: unknown): number | null;
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

  /** A new message, after those already in the lane; a stopped lane is tried again with it. */
  add(chatId: number, clientMsgId: string, text: string): void {
    (this.lists[chatId] ??= []).push({ client_msg_id: clientMsgId, text, state: "sending", failed: null });
    this.restart(chatId);
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
      Object.assign(list[list.length - 1], { state: "sending", failed: null });
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
      if (item.state === "stopped") Object.assign(item, { state: "sending", failed: null });
    }
    if (this.running.has(chatId)) this.wake(chatId);
    else void this.run(chatId);
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
          if (item) Object.assign(item, { state: "stored", failed: null });
          for (const next of this.lane(chatId)) if (next.state === "waiting") next.state = "sending";
        } catch (error) {
          const item = this.find(chatId, clientMsgId);
          if (!item || item.state === "stored") continue; // stored after all: its event said so
          const wait = this.courier.passing(error);
          if (wait === null) {
            Object.assign(item, { state: "refused", failed: this.courier.describe(error) });
            continue;
          }
          const now = this.courier.now();
          troubleSince ??= now;
          if (now - troubleSince >= PATIENCE_MS) {
            const why = this.courier.describe(error);
            for (const held of this.lane(chatId)) Object.assign(held, { state: "stopped", failed: why });
            return;
          }
          for (const held of this.lane(chatId)) held.state = "waiting";
          // A long rate limit is not waited out past the patience: the agent hears of it then.
          await this.pause(chatId, Math.max(1000, Math.min(wait * 1000, troubleSince + PATIENCE_MS - now)));
        }
      }
    } finally {
      this.running.delete(chatId);
      this.wakers.delete(chatId);
    }
  }

  private pause(chatId: number, ms: number): Promise<void> {
    return new Promise<void>((done) => {
      this.wakers.set(chatId, done);
      void this.courier.sleep(ms).then(done);
    }).finally(() => this.wakers.delete(chatId));
  }
}
