// The conversation, without the DOM: the chat the visitor holds and the last `seq` applied to it,
// the messages not acknowledged yet and when to try them again, and how far the visitor has read.
//
// It keeps the resume rules of docs/realtime.md: the hello names the chat held with its last
// applied seq; an event is applied only when its seq is above that (replays, a second tab's echo
// and history overlapping the socket are dropped here); after the hello's ack the messages not
// acknowledged are sent again with the same client_msg_id, which the server dedupes.
//
// The visitor's messages go one at a time, in the order written (`next`): the server stores them
// in that order whether each goes over the socket or over HTTP. Those a chat's end overtook are
// never sent: they are kept (`unsent`) to be marked "Not sent" and offered for a new chat.

import { ApiError } from "./net";
import type { ChatRead, Envelope, Message } from "./types";

export interface Chat {
  id: number;
  seq: number;
  state: string;
}

export interface Pending {
  cmid: string;
  chatId: number;
  text: string;
}

/** Where the conversation survives reloads: localStorage, shared by the visitor's tabs. */
export interface Persist {
  get<T>(key: string): T | null;
  set(key: string, value: unknown): void;
}

/** An unacknowledged message is sent again after this long without an answer. */
export const RESEND_AFTER = 8000;

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
  private readonly lastTry = new Map<string, number>();
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

  /** A new message of the visitor, pending until acknowledged. */
  add(text: string): Pending {
    const item = { cmid: uuid(), chatId: this.chat!.id, text };
    this.setPending([...this.pending, item]);
    return item;
  }

  /**
   * The message to send now, if any. Only the chat's first message not acknowledged is ever on
   * its way, so the server stores them in the order written whichever way each goes (one POST
   * answering late must not be overtaken by the next over the socket). It is sent when not tried
   * yet, when unanswered for RESEND_AFTER, or with `again` (after the hello's ack, or when the
   * network is back) at once; never while a POST of it waits for its answer.
   */
  next(again: boolean, now = Date.now()): Pending | null {
    const chat = this.chat;
    if (!chat || chat.state === "ended") return null;
    const head = this.pending.find((item) => item.chatId === chat.id);
    if (!head || this.inflight.has(head.cmid)) return null;
    const last = this.lastTry.get(head.cmid);
    return last === undefined || again || now - last > RESEND_AFTER ? head : null;
  }

  tried(cmid: string, now = Date.now()): void {
    this.lastTry.set(cmid, now);
  }

  acknowledged(cmid: string): void {
    this.setPending(this.pending.filter((p) => p.cmid !== cmid));
  }

  /** A send failed. Offline, a server error or rate limiting: it stays pending (`retry`);
   * refused for good (too long…): it is dropped; refused because the chat ended: it is kept with
   * the chat's other messages not sent (`unsent`). Null when it was not pending. */
  failed(cmid: string, error: unknown, now = Date.now()): { item: Pending; retry: boolean } | null {
    const item = this.pending.find((p) => p.cmid === cmid);
    if (!item) return null;
    const limited = error instanceof ApiError && error.code === "rate_limited";
    if (!(error instanceof ApiError) || error.network || error.status >= 500 || limited) {
      // Next try once the server says so.
      if (limited) this.lastTry.set(cmid, now + (error.retryAfter || 10) * 1000 - RESEND_AFTER);
      return { item, retry: true };
    }
    if (error.code === "chat_ended") this.setUnsent([...this.unsent, item]);
    this.setPending(this.pending.filter((p) => p !== item));
    if (error.code === "chat_ended" && this.chat?.id === item.chatId) {
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

  /** The text of the messages the chat's end overtook, for a new chat's form; forgotten here. */
  takeUnsent(): string {
    const text = this.unsent.map((p) => p.text).join("\n\n");
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
