// The conversation, without the DOM: the chat the visitor holds and the last `seq` applied to it,
// the messages not acknowledged yet and when to try them again, and how far the visitor has read.
//
// It keeps the resume rules of docs/realtime.md: the hello names the chat held with its last
// applied seq; an event is applied only when its seq is above that (replays, a second tab's echo
// and history overlapping the socket are dropped here); after the hello's ack the messages not
// acknowledged are sent again with the same client_msg_id, which the server dedupes.
//
// The visitor's messages go one at a time, in the order written (`next`): the server stores them
// in that order whether each goes over the socket or over HTTP. A message of files is one of
// them, in its turn (its uploads may go before: they are no message). Those a chat's end
// overtook are never sent: they are kept (`unsent`) to be marked "Not sent" and offered for a new
// chat.

import { ApiError } from "./net";
import type { ChatRead, Envelope, Message } from "./types";

export interface Chat {
  id: number;
  seq: number;
  state: string;
  /** The chat has the visitor's email address (given in a form, or by the website). */
  email?: boolean;
}

/** A message of files: their names and, once every one is stored, their ids. These are kept
 * across a reload, so the message can still go in its turn; the files' bytes are not. */
export interface PendingFiles {
  names: string;
  ids: string[] | null;
}

export interface Pending {
  cmid: string;
  chatId: number;
  text: string;
  files?: PendingFiles;
  /** When it was written (ms): the order of messages taken over from another tab. */
  at?: number;
}

/** Where the conversation survives reloads: localStorage, shared by the visitor's tabs. */
export interface Persist {
  get<T>(key: string): T | null;
  set(key: string, value: unknown): void;
}

/** An unacknowledged message is sent again after this long without an answer. */
export const RESEND_AFTER = 8000;
/** A try that failed (no network, the server's trouble) is made again after this long, doubled
 * at each failure up to RESEND_AFTER, unless the server said how long to wait. */
export const RETRY_AFTER = 2000;
/** A message of files that fails this long while the messenger is connected stops trying: the
 * trouble is its own (an upload cut short again and again), and the messages after it go on. */
export const FILES_PATIENCE = 60_000;

/** Trouble that passes: no network, the server's own error, a rate limit. Anything else is a
 * refusal, which sending again would not change. */
export function passing(error: unknown): boolean {
  return (
    !(error instanceof ApiError) ||
    error.network ||
    error.status >= 500 ||
    error.code === "rate_limited"
  );
}

export function uuid(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Plain-http pages have no randomUUID; getRandomValues works everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Conversation {
  chat: Chat | null;
  /** The events applied to this chat, in seq order: what the view draws. */
  events: Envelope[] = [];
  pending: Pending[];
  /** Messages of a chat that ended before they were stored: never sent, kept for a new chat. */
  unsent: Pending[];
  /** The chat's history has been fetched since it was adopted. */
  loaded = false;
  /** Messages being posted over HTTP: not sent again until that answers. */
  readonly inflight = new Set<string>();
  /** When each message tried may be tried again. */
  private readonly due = new Map<string, number>();
  /** When the server said (Retry-After) a message may go again: nothing hurries that, not the
   * network or the socket coming back. */
  private readonly notBefore = new Map<string, number>();
  /** Each message's failed tries in a row, and since when a message of files has failed while
   * the messenger was connected. */
  private readonly fails = new Map<string, number>();
  private readonly failingSince = new Map<string, number>();
  private readSeq: number;
  private agentSeqs: number[] = [];

  constructor(
    private readonly store: Persist,
    hasToken: boolean,
    /** Called whenever the pending messages change, so the owner can time their retries. */
    private readonly pendingChanged: (count: number) => void,
  ) {
    this.chat = hasToken ? store.get("chat") : null;
    this.pending = store.get<Pending[]>("pending") ?? [];
    this.unsent = store.get<Pending[]>("unsent") ?? [];
    this.readSeq = (this.chat && store.get<number>(`read:${this.chat.id}`)) || 0;
    if (this.chat?.state === "ended") this.strand();
  }

  /** What the hello names: the chat held, unless ended, with its last applied seq. */
  held(): Record<number, number> {
    const chat = this.chat;
    return chat && chat.state !== "ended" ? { [chat.id]: chat.seq } : {};
  }

  /** Applies an event of the held chat once; false when it is not applied. */
  apply(event: Envelope): boolean {
    const chat = this.chat;
    if (!chat || event.chat_id !== chat.id || event.seq == null) return false;
    if (event.seq <= chat.seq) return false;
    chat.seq = event.seq;
    this.events.push(event);
    const message = event.data.message as Message | undefined;
    if (event.type === "chat.message_added") {
      if (message?.author.kind === "visitor" && message.client_msg_id) {
        this.acknowledged(message.client_msg_id);
      }
      if (message?.author.kind === "agent") this.agentSeqs.push(event.seq);
    } else if (event.type === "chat.joined") chat.state = "active";
    else if (event.type === "chat.ended") {
      // Every message stored before the end came before it (seq order): the rest never will be.
      chat.state = "ended";
      this.strand();
    }
    return true;
  }

  /** The chat's history over HTTP replaces what was applied; what it holds was delivered. False,
   * and nothing changed, for a history older than the chat's end already known (an ended chat
   * never goes on). */
  load(read: ChatRead): boolean {
    const chat = this.chat!;
    if (chat.state === "ended" && read.state !== "ended") return false;
    this.events = [];
    this.agentSeqs = [];
    chat.seq = 0;
    for (const event of read.events) this.apply(event);
    chat.state = read.state;
    chat.seq = Math.max(chat.seq, read.last_seq);
    if (read.reply_by_email !== undefined) chat.email = read.reply_by_email;
    this.save();
    const delivered = new Set(
      read.events.map((e) => (e.data.message as Message | undefined)?.client_msg_id),
    );
    this.setPending(this.pending.filter((p) => !delivered.has(p.cmid)));
    if (chat.state === "ended") this.strand();
    this.loaded = true;
    return true;
  }

  /** Holds another chat (a new one, or one started in another tab); nothing of it is applied yet. */
  adopt(id: number, seq: number, state: string): void {
    this.chat = { id, seq, state };
    this.loaded = false;
    this.setPending(this.pending.filter((p) => p.chatId === id));
    this.setUnsent(this.unsent.filter((p) => p.chatId === id));
    this.events = [];
    this.readSeq = this.store.get<number>(`read:${id}`) ?? 0;
    this.agentSeqs = [];
    this.save();
  }

  /** Holds no chat any more; `unsent` drops the messages not acknowledged (or never sent) too. */
  clear(unsent = false): void {
    this.chat = null;
    this.events = [];
    this.agentSeqs = [];
    this.save();
    if (unsent) {
      this.setPending([]);
      this.setUnsent([]);
    }
  }

  save(): void {
    this.store.set("chat", this.chat);
  }

  /** The visitor has seen everything applied so far. */
  read(): void {
    const chat = this.chat;
    if (chat && this.readSeq < chat.seq) {
      this.readSeq = chat.seq;
      this.store.set(`read:${chat.id}`, this.readSeq);
    }
  }

  /** Agent messages after the read mark. */
  get unread(): number {
    return this.agentSeqs.filter((seq) => seq > this.readSeq).length;
  }

  /** A new message of the visitor (of files, with `files`), pending until acknowledged. */
  add(text: string, files?: PendingFiles): Pending {
    const item: Pending = { cmid: uuid(), chatId: this.chat!.id, text, at: Date.now(), ...(files && { files }) };
    this.setPending([...this.pending, item]);
    return item;
  }

  /** The messages of a tab that is gone (docs/messenger.md, "Several tabs"), now this tab's to
   * send, in the order written among its own; those already here (a record taken over twice
   * without Web Locks) or already stored (its echo applied here) are not added. A message of
   * this tab on its way (tried, or posted) stays first: one message at a time is on its way.
   * What was added, to be drawn. */
  takeOver(pending: Pending[], unsent: Pending[]): Pending[] {
    const stored = this.events.map((e) => (e.data.message as Message | undefined)?.client_msg_id);
    const known = new Set([...this.pending, ...this.unsent].map((p) => p.cmid).concat(stored.filter((c) => c != null)));
    const fresh = (items: Pending[]) => items.filter((p) => !known.has(p.cmid) && known.add(p.cmid));
    const [morePending, moreUnsent] = [fresh(pending), fresh(unsent)];
    if (moreUnsent.length) this.setUnsent([...this.unsent, ...moreUnsent]);
    if (morePending.length) {
      const busy = this.pending.findIndex((p) => p.chatId === this.chat?.id);
      const head = this.pending[busy];
      const keep = head && (this.inflight.has(head.cmid) || this.due.has(head.cmid)) ? busy + 1 : 0;
      // Stable: messages from before `at` was kept stay in the order they were kept.
      const rest = [...this.pending.slice(keep), ...morePending].sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
      this.setPending([...this.pending.slice(0, keep), ...rest]);
      if (this.chat?.state === "ended") this.strand();
    }
    return [...moreUnsent, ...morePending];
  }

  /** Messages another tab took over (this page was in the back/forward cache): that tab sends
   * them, this one no longer does. */
  drop(cmids: Set<string>): void {
    for (const cmid of cmids) this.forgetTries(cmid);
    this.setUnsent(this.unsent.filter((p) => !cmids.has(p.cmid)));
    this.setPending(this.pending.filter((p) => !cmids.has(p.cmid)));
  }

  /** A message of files not sent, sent again: after what is pending now (the messages after it
   * went on without it), with the same client_msg_id. */
  requeue(item: Pending): void {
    this.forgetTries(item.cmid);
    this.setPending([...this.pending.filter((p) => p.cmid !== item.cmid), item]);
  }

  /** A message of files has its files stored: their ids, kept for its every try. */
  uploaded(cmid: string, ids: string[]): void {
    const item = this.pending.find((p) => p.cmid === cmid);
    if (!item?.files || item.files.ids) return;
    item.files = { ...item.files, ids };
    this.setPending([...this.pending]);
  }

  /**
   * The message to send now, if any. Only the chat's first message not acknowledged is ever on
   * its way, so the server stores them in the order written whichever way each goes (one POST
   * answering late must not be overtaken by the next over the socket). It is sent when not tried
   * yet, when unanswered for RESEND_AFTER, or with `again` (after the hello's ack, or when the
   * network is back) at once, or after a failed try once its wait is over (`failed`); never
   * while a POST of it (or its files' upload) waits for its answer.
   */
  next(again: boolean, now = Date.now()): Pending | null {
    const chat = this.chat;
    if (!chat || chat.state === "ended") return null;
    const head = this.pending.find((item) => item.chatId === chat.id);
    if (!head || this.inflight.has(head.cmid)) return null;
    if (now < (this.notBefore.get(head.cmid) ?? 0)) return null;
    const due = this.due.get(head.cmid);
    return due === undefined || again || now > due ? head : null;
  }

  tried(cmid: string, now = Date.now()): void {
    this.due.set(cmid, now + RESEND_AFTER);
  }

  acknowledged(cmid: string): void {
    this.forgetTries(cmid);
    this.setPending(this.pending.filter((p) => p.cmid !== cmid));
  }

  private forgetTries(cmid: string): void {
    for (const map of [this.due, this.notBefore, this.fails, this.failingSince]) map.delete(cmid);
  }

  /** A send failed. Offline, a server error or rate limiting: it stays pending (`retry`), and is
   * tried again after the server's Retry-After, else after RETRY_AFTER, doubled at each failure;
   * except a message of files failing for FILES_PATIENCE while `connected`, which leaves the lane
   * like a refused one. Refused for good (too long, a file too large…): it is dropped; refused
   * because the chat ended: it is kept with the chat's other messages not sent (`unsent`). Null
   * when it was not pending. */
  failed(
    cmid: string,
    error: unknown,
    now = Date.now(),
    connected = false,
  ): { item: Pending; retry: boolean } | null {
    const item = this.pending.find((p) => p.cmid === cmid);
    if (!item) return null;
    if (passing(error)) {
      const limited = error instanceof ApiError && error.code === "rate_limited";
      const fails = (this.fails.get(cmid) ?? 0) + 1;
      this.fails.set(cmid, fails);
      const wait = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : 0;
      this.due.set(cmid, now + (wait || (limited ? 10_000 : Math.min(RESEND_AFTER, RETRY_AFTER * 2 ** (fails - 1)))));
      if (wait) this.notBefore.set(cmid, now + wait);
      else this.notBefore.delete(cmid);
      // An outage holds every message: only a file's own trouble, the connection up, runs out.
      const since = connected && !limited ? (this.failingSince.get(cmid) ?? now) : null;
      if (since === null) this.failingSince.delete(cmid);
      else this.failingSince.set(cmid, since);
      if (!item.files || since === null || now - since < FILES_PATIENCE) return { item, retry: true };
    }
    this.forgetTries(cmid);
    if (error instanceof ApiError && error.code === "chat_ended") this.setUnsent([...this.unsent, item]);
    this.setPending(this.pending.filter((p) => p !== item));
    if (error instanceof ApiError && error.code === "chat_ended" && this.chat?.id === item.chatId) {
      // The server says the chat ended, before its event came: so it did for the messages after.
      this.chat.state = "ended";
      this.save();
      this.strand();
    }
    return { item, retry: false };
  }

  /** The chat ended: its messages not stored by then never will be. They are kept apart. */
  private strand(): void {
    const chat = this.chat;
    const left = this.pending.filter((p) => p.chatId === chat?.id);
    if (!left.length) return;
    this.setUnsent([...this.unsent, ...left]);
    this.setPending(this.pending.filter((p) => !left.includes(p)));
  }

  /** The text of the messages the chat's end overtook, for a new chat's form; forgotten here.
   * Files do not follow: their uploads belong to the chat that ended. */
  takeUnsent(): string {
    const text = this.unsent
      .filter((p) => !p.files)
      .map((p) => p.text)
      .join("\n\n");
    this.setUnsent([]);
    return text;
  }

  private setUnsent(items: Pending[]): void {
    if (!items.length && !this.unsent.length) return;
    this.unsent = items;
    this.store.set("unsent", items.length ? items : null);
  }

  private setPending(items: Pending[]): void {
    this.pending = items;
    this.store.set("pending", items.length ? items : null);
    this.pendingChanged(items.length);
  }
}
