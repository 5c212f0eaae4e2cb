// Two tabs of one visitor over one localStorage (docs/messenger.md, "Several tabs"): a message
// written offline in either is kept, tried by one tab only, and taken over by the other when its
// tab closes or reloads; the chat held only goes forward.

import assert from "node:assert/strict";
import test from "node:test";
import { Conversation, type Pending } from "../src/conversation";
import { Store } from "../src/dom";
import { TabStore } from "../src/tabs";

/** One localStorage for every tab, as the browser shares it. */
class Area {
  private readonly data = new Map<string, string>();
  get length(): number {
    return this.data.size;
  }
  key(i: number): string | null {
    return [...this.data.keys()][i] ?? null;
  }
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

/** Web Locks as the browser keeps them for the tabs of one origin: exclusive, granted in the
 * order asked, released when the callback's promise settles or its tab goes. */
class Locks {
  private readonly held = new Map<string, { tab: number; release: () => void }>();
  private readonly waiting = new Map<string, { tab: number; grant: () => void }[]>();

  forTab(tab: number) {
    return {
      request: (name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown>) =>
        new Promise<void>((done, fail) => {
          const grant = () => {
            let released = false;
            const release = () => {
              if (released) return;
              released = true;
              this.held.delete(name);
              done();
              const next = this.waiting.get(name)?.shift();
              if (next) queueMicrotask(next.grant);
            };
            this.held.set(name, { tab, release });
            void callback().then(release, release);
          };
          if (this.held.has(name)) {
            if (!this.waiting.has(name)) this.waiting.set(name, []);
            const waiter = { tab, grant };
            this.waiting.get(name)!.push(waiter);
            // A wait given up (its signal aborted) leaves the queue, its promise rejected.
            options.signal?.addEventListener("abort", () => {
              const queue = this.waiting.get(name)!;
              if (!queue.includes(waiter)) return;
              queue.splice(queue.indexOf(waiter), 1);
              fail(new DOMException("aborted", "AbortError"));
            });
          } else queueMicrotask(grant);
        }),
    };
  }

  /** How many locks the tab waits for. */
  waitsOf(tab: number): number {
    return [...this.waiting.values()].flat().filter((w) => w.tab === tab).length;
  }

  /** A tab closes (or reloads): its locks go, and its requests. */
  close(tab: number): void {
    for (const queue of this.waiting.values()) queue.splice(0, queue.length, ...queue.filter((w) => w.tab !== tab));
    for (const lock of [...this.held.values()]) if (lock.tab === tab) lock.release();
  }
}

const settle = () => new Promise<void>((next) => setTimeout(next, 0));

/** The time every tab reads (ms), moved on by hand. */
const clock = { now: 1_000_000 };

/** A tab of the site: its page gets `storage`, `pagehide` and `pageshow` as the browser sends them. */
function tab(area: Area, locks: Locks | null, n: number) {
  const shared = new Store(() => area as unknown as Storage, "frontdesk:in_key:");
  const page = new EventTarget();
  let conversation: Conversation | undefined = undefined;
  const tookOver: Pending[] = [];
  const kept = new TabStore(
    shared,
    (outbox) => void tookOver.push(...conversation!.takeOver(outbox.pending, outbox.unsent)),
    {
      locks: locks?.forTab(n) ?? null,
      page,
      now: () => clock.now,
      lost: (outbox) => conversation!.drop(new Set([...outbox.pending, ...outbox.unsent].map((p) => p.cmid))),
    },
  );
  conversation = new Conversation(kept, true, () => undefined);
  return { kept, conversation, tookOver, shared, page };
}

/** What another tab's write of `key` sends this tab. */
function storageEvent(area: Area, key: string): Event {
  return Object.assign(new Event("storage"), { key, newValue: area.getItem(key) });
}

function transition(type: "pagehide" | "pageshow", persisted: boolean): Event {
  return Object.assign(new Event(type), { persisted });
}

/** The texts every record in storage holds. */
function recorded(area: Area): string[] {
  const texts: string[] = [];
  for (let i = 0; i < area.length; i++) {
    const key = area.key(i)!;
    if (key.includes(":outbox:")) texts.push(...(JSON.parse(area.getItem(key)!) as { pending: Pending[] }).pending.map((p) => p.text));
  }
  return texts;
}

test("a message written offline in each of two tabs is kept for its tab, neither wiping the other's", async () => {
  const area = new Area();
  const locks = new Locks();
  const a = tab(area, locks, 1);
  a.conversation.adopt(12, 3, "active");
  const b = tab(area, locks, 2);
  b.conversation.adopt(12, 3, "active");
  await settle();
  a.conversation.add("Written in tab A");
  b.conversation.add("Written in tab B");
  await settle();
  // Each tab tries only its own: no message is tried by two tabs.
  assert.deepEqual(a.conversation.next(false)?.text, "Written in tab A");
  assert.deepEqual(b.conversation.next(false)?.text, "Written in tab B");
  // Tab B acknowledging its own does not touch tab A's.
  b.conversation.acknowledged(b.conversation.pending[0]!.cmid);
  await settle();
  const c = tab(area, locks, 3);
  await settle();
  // Nobody took tab A's over while it lives.
  assert.deepEqual(c.tookOver, []);
  assert.deepEqual(b.tookOver, []);

  // Tab A closes: one tab, not both, takes its message over, and sends it.
  locks.close(1);
  await settle();
  const taken = [...b.tookOver, ...c.tookOver].map((p) => p.text);
  assert.deepEqual(taken, ["Written in tab A"]);
  const owner = b.tookOver.length ? b : c;
  assert.equal(owner.conversation.next(false)?.text, "Written in tab A");
});

test("a reload takes over the messages its page left, in the order written", async () => {
  const area = new Area();
  const locks = new Locks();
  const before = tab(area, locks, 1);
  before.conversation.adopt(12, 3, "active");
  await settle();
  for (const text of ["one", "two", "three"]) before.conversation.add(text);
  locks.close(1);
  const after = tab(area, locks, 2);
  await settle();
  assert.deepEqual(after.conversation.pending.map((p) => p.text), ["one", "two", "three"]);
  assert.deepEqual(after.tookOver.map((p) => p.text), ["one", "two", "three"]);
  // Taken over once: the record is gone.
  assert.deepEqual(after.shared.keys("outbox:"), [`outbox:${after.kept.tab}`]);
});

test("without Web Locks a tab takes over, when it loads, the records of pages gone, never twice", async () => {
  const area = new Area();
  const before = tab(area, null, 1);
  before.conversation.adopt(12, 3, "active");
  before.conversation.add("one");
  // Reloaded: the page that goes says so.
  before.page.dispatchEvent(transition("pagehide", false));
  const after = tab(area, null, 2);
  await settle();
  assert.deepEqual(after.tookOver.map((p) => p.text), ["one"]);
  assert.deepEqual(after.conversation.takeOver(before.conversation.pending, []), []);
  assert.deepEqual(after.conversation.pending.map((p) => p.text), ["one"]);
  assert.deepEqual(recorded(area), ["one"]);
});

test("without Web Locks two open tabs never take each other's records: a message written offline stays stored", async () => {
  const area = new Area();
  const a = tab(area, null, 1);
  const b = tab(area, null, 2);
  a.conversation.adopt(12, 3, "active");
  b.conversation.adopt(12, 3, "active");
  await settle();
  a.conversation.add("Written offline in tab A");
  // Each tab hears of the other's writes: that says the other is alive, not gone.
  b.page.dispatchEvent(storageEvent(area, `frontdesk:in_key:outbox:${a.kept.tab}`));
  await settle();
  a.page.dispatchEvent(storageEvent(area, `frontdesk:in_key:outbox:${b.kept.tab}`));
  await settle();
  assert.deepEqual(recorded(area), ["Written offline in tab A"]);
  assert.deepEqual(b.tookOver, []);
  // A tab loading now finds tab A's heartbeat fresh: it leaves its record alone too.
  const c = tab(area, null, 3);
  await settle();
  assert.deepEqual(c.tookOver, []);
  // Tab A goes quiet (closed without a word): its record is taken over once stale.
  clock.now += 60_000;
  const d = tab(area, null, 4);
  await settle();
  assert.deepEqual(d.tookOver.map((p) => p.text), ["Written offline in tab A"]);
  assert.deepEqual(recorded(area), ["Written offline in tab A"]);
});

test("without Web Locks a tab taking back a copy of its own message writes its record again: it stays stored", async () => {
  const area = new Area();
  const a = tab(area, null, 1);
  a.conversation.adopt(12, 3, "active");
  a.conversation.add("one");
  // Tab A, in the background, beats late: tab B, loading, takes its record over.
  clock.now += 60_000;
  const b = tab(area, null, 2);
  await settle();
  assert.deepEqual(b.tookOver.map((p) => p.text), ["one"]);
  // Tab B goes; tab A, at its beat, takes over B's record, a message it holds already.
  b.page.dispatchEvent(transition("pagehide", false));
  a.kept.beat();
  assert.deepEqual(recorded(area), ["one"]);
  assert.equal(a.conversation.next(true)?.text, "one");
});

test("a page put in the back/forward cache lets its locks go: its message is sent by another tab, not twice", async () => {
  const area = new Area();
  const locks = new Locks();
  const a = tab(area, locks, 1);
  a.conversation.adopt(12, 3, "active");
  const b = tab(area, locks, 2);
  b.conversation.adopt(12, 3, "active");
  await settle();
  a.conversation.add("Written in tab A");
  b.conversation.add("Written in tab B");
  b.page.dispatchEvent(storageEvent(area, `frontdesk:in_key:outbox:${a.kept.tab}`));
  a.page.dispatchEvent(storageEvent(area, `frontdesk:in_key:outbox:${b.kept.tab}`));
  await settle();
  assert.deepEqual(b.tookOver, []);
  assert.equal(locks.waitsOf(1), 1);

  a.page.dispatchEvent(transition("pagehide", true));
  await settle();
  assert.deepEqual(b.tookOver.map((p) => p.text), ["Written in tab A"]);
  // Nor does it wait for the other tabs' locks while in the cache.
  assert.equal(locks.waitsOf(1), 0);
  // Back: tab A leaves its message to tab B, which sends it, and watches tab B's lock again.
  a.page.dispatchEvent(transition("pageshow", true));
  await settle();
  assert.deepEqual(a.conversation.pending, []);
  assert.equal(a.conversation.next(true), null);
  assert.deepEqual(b.conversation.pending.map((p) => p.text).sort(), ["Written in tab A", "Written in tab B"]);
  assert.deepEqual(recorded(area).sort(), ["Written in tab A", "Written in tab B"]);
  assert.equal(locks.waitsOf(1), 1);
});

test("a page back from the back/forward cache with nobody to take its messages keeps them", async () => {
  const area = new Area();
  const locks = new Locks();
  const a = tab(area, locks, 1);
  a.conversation.adopt(12, 3, "active");
  await settle();
  a.conversation.add("kept");
  a.page.dispatchEvent(transition("pagehide", true));
  await settle();
  a.page.dispatchEvent(transition("pageshow", true));
  await settle();
  assert.equal(a.conversation.next(true)?.text, "kept");
  assert.deepEqual(recorded(area), ["kept"]);
});

test("the older version's one list is taken over by the first tab to load", async () => {
  const area = new Area();
  const shared = new Store(() => area as unknown as Storage, "frontdesk:in_key:");
  shared.set("chat", { id: 12, seq: 3, state: "active" });
  shared.set("pending", [{ cmid: "c1", chatId: 12, text: "kept from before" }]);
  const first = tab(area, new Locks(), 1);
  assert.deepEqual(first.conversation.pending.map((p) => p.text), ["kept from before"]);
  assert.equal(shared.get("pending"), null);
});

test("the chat held goes forward only: a tab still on an older chat does not bring it back", async () => {
  const area = new Area();
  const a = tab(area, null, 1);
  const b = tab(area, null, 2);
  a.conversation.adopt(11, 0, "active");
  b.conversation.adopt(11, 0, "active");
  // A seq goes up, never down; ended stays ended.
  a.conversation.chat!.seq = 9;
  a.conversation.chat!.state = "ended";
  a.conversation.save();
  b.conversation.chat!.seq = 4;
  b.conversation.save();
  assert.deepEqual(a.kept.get("chat"), { id: 11, seq: 9, state: "ended" });
  // Tab A leaves the chat for a new one; tab B, still on it, writes it again: it stays left.
  a.conversation.clear();
  b.conversation.save();
  assert.equal(a.kept.get("chat"), null);
  a.conversation.adopt(13, 0, "waiting");
  b.conversation.save();
  assert.equal(a.kept.get<{ id: number }>("chat")!.id, 13);
  // The read mark only goes up.
  a.kept.set("read:13", 5);
  b.kept.set("read:13", 2);
  assert.equal(a.kept.get("read:13"), 5);
});
