// What the conversation keeps in localStorage, safe across the visitor's tabs (docs/messenger.md,
// "Several tabs"). localStorage is shared by the tabs, and each tab writes from what it holds in
// memory: with one shared list of messages not sent yet, a tab writing its own list wiped another
// tab's message typed offline, and a message could be lost or tried by two tabs.
//
// - The messages not acknowledged yet (`pending`) and those a chat's end overtook (`unsent`) are
//   each tab's own: one record per page load, `outbox:<tab id>`, written by that tab only. A
//   message is tried by the one tab that holds it, so it goes once (and the server's
//   client_msg_id dedupe keeps a try sent again stored once).
// - A tab holds a Web Lock named after its record while it lives. Another tab waits for that
//   lock: granted, the owner is gone (closed, reloaded, navigated away), and the waiting tab
//   takes its record over, whole, under the lock, so that only one tab ever does. A reload is
//   such a takeover: the record of the page it replaced goes to the new page, or, when another
//   tab of the site is open, to whichever of them asked for the lock first (the other tab then
//   sends it). A page put in the back/forward cache lets its lock go (a held lock keeps a page
//   out of that cache): its record is taken over as if it had closed; brought back, the page asks
//   for its lock again and drops the messages another tab took (that tab sends them).
// - Without Web Locks (old browsers) no tab can tell that another is gone, only that it has been
//   quiet: each record carries a heartbeat (`beat`), rewritten every BEAT by its tab, and set to
//   0 when its page goes (`pagehide`). A tab takes over a record whose beat is older than STALE,
//   when it loads and at each of its own beats; never on a storage event, which says only that
//   its owner is alive. Two tabs may take over the same record at once, and a tab's beat may
//   pause while it is in the background: a message may then be tried by two tabs, which the
//   server stores once (client_msg_id); it is never lost, since after a takeover each tab writes
//   its own record again, whole.
// - Shared values are merged, never written over with older ones: the chat held goes forward
//   (a higher id, a higher seq, ended stays ended), and a chat a tab left ("Start a new chat") is
//   not brought back by a tab that still shows it. The read mark only goes up.

import type { Chat, Pending, Persist } from "./conversation";
import { uuid } from "./conversation";
import type { Store } from "./dom";

export interface Outbox {
  pending: Pending[];
  unsent: Pending[];
}

/** A tab's record: its outbox, with its heartbeat (ms; 0 once its page has gone). */
interface TabRecord extends Outbox {
  beat?: number;
}

interface Locks {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown>): Promise<unknown>;
}

export interface TabOptions {
  /** Web Locks; null where the browser has none. */
  locks?: unknown;
  /** Where `storage`, `pagehide` and `pageshow` come from: the window. */
  page?: EventTarget | null;
  now?: () => number;
  /** This page, back from the back/forward cache, finds that another tab took its messages over
   * (that tab sends them): they are no longer this tab's. */
  lost?: (outbox: Outbox) => void;
}

const RECORD = "outbox:";
/** Without Web Locks: how often a tab rewrites its record's heartbeat, and how old a heartbeat
 * must be before another tab takes the record over (a background tab's timers may be slowed to
 * once a minute: a record is never lost then, at worst tried by two tabs). */
export const BEAT = 5_000;
export const STALE = 30_000;

export class TabStore implements Persist {
  /** This page's id: a duplicated tab (sessionStorage copied) is another page, with its own. */
  readonly tab = uuid();
  private outbox: Outbox = { pending: [], unsent: [] };
  /** The other tabs' records whose lock this tab waits for. */
  private readonly watched = new Set<string>();
  private readonly locks: Locks | null;
  private readonly now: () => number;
  private readonly lost: (outbox: Outbox) => void;
  /** Whether this tab may write its record (it holds its lock, or there are no locks). */
  private mine: boolean;
  /** Lets this tab's lock go (the page went into the back/forward cache). */
  private release: (() => void) | null = null;
  /** Whether the record was in storage when the page went into the back/forward cache. */
  private stored = false;
  /** Ends this tab's waits for the other tabs' locks (the page went into the cache). */
  private waits = new AbortController();

  constructor(
    private readonly shared: Store,
    /** Given the records of tabs that are gone (or, at load, the messages of an older version
     * that kept one list for every tab), to take over. */
    private readonly takeOver: (outbox: Outbox) => void,
    options: TabOptions = {},
  ) {
    const browser = typeof window !== "undefined";
    const locks = "locks" in options ? options.locks : browser ? (navigator as { locks?: unknown }).locks : undefined;
    const page = "page" in options ? options.page : browser ? window : null;
    this.locks = (locks as Locks | undefined) ?? null;
    this.now = options.now ?? Date.now;
    this.lost = options.lost ?? (() => undefined);
    this.mine = !this.locks;
    // The older version's one list for every tab: ours now.
    this.outbox = this.legacy();
    if (this.locks) {
      this.hold();
      this.watchAll();
      // With locks only: the lock says whether the record's tab is gone.
      page?.addEventListener("storage", (event) => {
        const { key, newValue } = event as StorageEvent;
        const owned = this.shared.owns(key);
        if (owned?.startsWith(RECORD) && newValue) this.watch(owned.slice(RECORD.length));
      });
    } else {
      this.write();
      // Once the conversation that takes them over is made.
      queueMicrotask(() => this.takeStale());
      const timer = setInterval(() => this.beat(), BEAT) as unknown as { unref?: () => void };
      // Node (the unit tests) must not wait for it.
      timer.unref?.();
    }
    page?.addEventListener("pagehide", (event) => this.hidden((event as PageTransitionEvent).persisted));
    page?.addEventListener("pageshow", (event) => {
      if ((event as PageTransitionEvent).persisted) this.shown();
    });
  }

  /** Without Web Locks, every BEAT: this tab's heartbeat, and the records of tabs gone quiet. */
  beat(): void {
    this.write();
    this.takeStale();
  }

  /** Holds this tab's lock, until the page goes or goes into the back/forward cache. Back from
   * there, its record may have been taken over: those messages are another tab's now. */
  private hold(): void {
    void this.locks!.request(this.lockName(this.tab), {}, () => {
      this.back();
      this.mine = true;
      this.write();
      return new Promise<void>((done) => (this.release = done));
    });
  }

  /** The page goes: closed, reloaded, or into the back/forward cache (`persisted`), from which
   * it may come back, or not (a page there is dropped without a word). */
  private hidden(persisted: boolean): void {
    this.stored = this.shared.get<TabRecord>(RECORD + this.tab) !== null;
    if (!this.locks) {
      // Gone, or back later: either way another tab may take the record over at once.
      const record = this.shared.get<TabRecord>(RECORD + this.tab);
      if (record) this.shared.set(RECORD + this.tab, { ...record, beat: 0 });
      return;
    }
    // A lock held or waited for keeps the page out of the back/forward cache.
    if (!persisted) return;
    this.waits.abort();
    this.waits = new AbortController();
    this.watched.clear();
    this.mine = false;
    this.release?.();
    this.release = null;
  }

  private shown(): void {
    if (!this.locks) {
      this.back();
      return this.write();
    }
    this.hold();
    this.watchAll();
  }

  /** Back from the back/forward cache: the messages of a record taken over meanwhile are the
   * taker's to send, no longer this tab's. */
  private back(): void {
    const taken = this.stored && this.shared.get<TabRecord>(RECORD + this.tab) === null;
    this.stored = false;
    if (!taken) return;
    const gone = this.outbox;
    this.outbox = { pending: [], unsent: [] };
    this.lost(gone);
  }

  /** The lock a tab holds while it lives: `frontdesk:<inbox key>:tab:<tab id>`. */
  private lockName(tab: string): string {
    return `${this.shared.prefix}tab:${tab}`;
  }

  private legacy(): Outbox {
    const pending = this.shared.get<Pending[]>("pending") ?? [];
    const unsent = this.shared.get<Pending[]>("unsent") ?? [];
    if (pending.length || unsent.length) {
      this.shared.set("pending", null);
      this.shared.set("unsent", null);
    }
    return { pending, unsent };
  }

  private watchAll(): void {
    for (const key of this.shared.keys(RECORD)) this.watch(key.slice(RECORD.length));
  }

  /** Another tab's record, with Web Locks: taken over once that tab is gone. */
  private watch(tab: string): void {
    if (tab === this.tab || this.watched.has(tab)) return;
    this.watched.add(tab);
    const waits = this.waits;
    this.locks!.request(this.lockName(tab), { signal: waits.signal }, async () => {
      this.watched.delete(tab);
      // Read under the lock: a tab that took it over first has removed it.
      this.adopt(tab);
    }).catch(() => {
      // Given up: the page went into the back/forward cache; it watches again when back.
      if (waits === this.waits) this.watched.delete(tab);
    });
  }

  /** Without Web Locks: the records whose tab has been quiet for STALE. */
  private takeStale(): void {
    for (const key of this.shared.keys(RECORD)) {
      const tab = key.slice(RECORD.length);
      const beat = this.shared.get<TabRecord>(key)?.beat ?? 0;
      if (tab !== this.tab && this.now() - beat > STALE) this.adopt(tab);
    }
  }

  /** Takes another tab's record over: removed, merged into this tab's, and this tab's written
   * again whole (whatever was merged, the record taken may have been the only copy). */
  private adopt(tab: string): void {
    const record = this.shared.get<TabRecord>(RECORD + tab);
    if (!record) return;
    this.shared.set(RECORD + tab, null);
    this.takeOver({ pending: record.pending ?? [], unsent: record.unsent ?? [] });
    this.write();
  }

  get<T>(key: string): T | null {
    if (key === "pending" || key === "unsent") return this.outbox[key] as T;
    if (key === "chat") {
      const chat = this.shared.get<Chat>("chat");
      return chat && chat.id > (this.shared.get<number>("left") ?? 0) ? (chat as T) : null;
    }
    return this.shared.get<T>(key);
  }

  set(key: string, value: unknown): void {
    if (key === "pending" || key === "unsent") {
      this.outbox = { ...this.outbox, [key]: (value as Pending[] | null) ?? [] };
      return this.write();
    }
    if (key === "chat") return this.setChat(value as Chat | null);
    if (key.startsWith("read:")) {
      const before = this.shared.get<number>(key) ?? 0;
      return this.shared.set(key, Math.max(before, (value as number | null) ?? 0));
    }
    this.shared.set(key, value);
  }

  /** The chat held goes forward only; a chat left is not written back by a tab still on it. */
  private setChat(chat: Chat | null): void {
    const stored = this.get<Chat>("chat");
    if (chat === null) {
      // Left (a new chat asked for, the visitor forgotten): no tab brings it back.
      if (stored) this.shared.set("left", Math.max(stored.id, this.shared.get<number>("left") ?? 0));
      return this.shared.set("chat", null);
    }
    if (chat.id <= (this.shared.get<number>("left") ?? 0)) return;
    if (stored && stored.id > chat.id) return;
    if (stored && stored.id === chat.id) {
      const ended = stored.state === "ended" || chat.state === "ended";
      chat = { ...chat, seq: Math.max(stored.seq, chat.seq), state: ended ? "ended" : chat.state };
    }
    this.shared.set("chat", chat);
  }

  private write(): void {
    if (!this.mine) return;
    const { pending, unsent } = this.outbox;
    const record: TabRecord = { pending, unsent, beat: this.now() };
    this.shared.set(RECORD + this.tab, pending.length || unsent.length ? record : null);
  }
}
