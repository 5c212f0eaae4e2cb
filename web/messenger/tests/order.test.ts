// Where an item of the conversation's log goes (order.ts): by its seq, ahead of the visitor's
// messages still on their way, an item already between its neighbours left in place; and a
// history drawn in order costs one step per item, not a walk of the whole log each.

import assert from "node:assert/strict";
import test from "node:test";
import { place } from "../src/order";

/** The little of the DOM that place() uses, counting the siblings it looks at. */
class Log {
  list: Item[] = [];
  visits = 0;
  /** Walked forward, each child counts too. */
  get children(): Iterable<Item> {
    const walk = function* (log: Log): Generator<Item> {
      for (const item of log.list) {
        log.visits++;
        yield item;
      }
    };
    return walk(this);
  }
  get lastElementChild(): Item | null {
    return this.list[this.list.length - 1] ?? null;
  }
  get firstElementChild(): Item | null {
    return this.list[0] ?? null;
  }
  appendChild(item: Item): void {
    this.insertBefore(item, null);
  }
  insertBefore(item: Item, before: Item | null): void {
    this.list = this.list.filter((c) => c !== item);
    const at = before ? this.list.indexOf(before) : this.list.length;
    this.list.splice(at, 0, item);
    item.parentNode = this;
  }
  get names(): string[] {
    return this.list.map((c) => c.name);
  }
}

class Item {
  parentNode: Log | null = null;
  dataset: Record<string, string> = {};
  constructor(readonly name: string) {}
  get isConnected(): boolean {
    return this.parentNode !== null;
  }
  get previousElementSibling(): Item | null {
    const log = this.parentNode!;
    log.visits++;
    return log.list[log.list.indexOf(this) - 1] ?? null;
  }
  get nextElementSibling(): Item | null {
    const log = this.parentNode!;
    return log.list[log.list.indexOf(this) + 1] ?? null;
  }
}

const put = (log: Log, item: Item, seq: number | null) =>
  place(log as unknown as HTMLElement, item as unknown as HTMLElement, seq);

test("an item goes by its seq, ahead of the messages on their way; one between its neighbours stays", () => {
  const log = new Log();
  const [a, b, own, refused, late] = ["a", "b", "own", "refused", "late"].map((n) => new Item(n));
  put(log, a, 1);
  put(log, refused, null);
  put(log, own, null);
  // An answer stored while the visitor's messages were on their way goes above them.
  put(log, b, 2);
  assert.deepEqual(log.names, ["a", "b", "refused", "own"]);
  // The visitor's message, stored next, stays where it was written: below the refused one.
  put(log, own, 3);
  assert.deepEqual(log.names, ["a", "b", "refused", "own"]);
  // An item stored between two goes between them.
  put(log, late, 2.5);
  assert.deepEqual(log.names, ["a", "b", "late", "refused", "own"]);
});

test("a history drawn in order is placed one step per item, not by walking the whole log", () => {
  const log = new Log();
  const count = 400;
  for (let seq = 1; seq <= count; seq++) put(log, new Item(String(seq)), seq);
  assert.equal(log.names.join(), Array.from({ length: count }, (_, i) => String(i + 1)).join());
  assert.ok(log.visits <= count, `${log.visits} siblings looked at for ${count} items`);
});
