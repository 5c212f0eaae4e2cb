// Custom ticket statuses an admin changes while a desk is open (docs/desk.md, "Ticket statuses"):
// `ticket_status.changed` makes the desk read them again, once for a burst of events, after a
// wait drawn per tab; a desk that never read them reads nothing; a connection back after a drop
// reads them too (events are not replayed).

import assert from "node:assert/strict";
import test, { mock } from "node:test";
import { g } from "./page";

const status = (id: number, name: string, state = "hold") => ({
  id, name, state, description: "", position: id, archived: false,
});
let served = [status(1, "Waiting on vendor")];
const asked: string[] = [];
g.fetch = async (request: Request) => {
  asked.push(new URL(request.url).pathname);
  return new Response(JSON.stringify(served), { status: 200, headers: { "Content-Type": "application/json" } });
};

const { createPinia, setActivePinia } = await import("pinia");
const { useStatuses } = await import("../src/statuses/store");
const { eventTable } = await import("../src/realtime/events");

const changed = (status_id: number, change: string) => ({
  type: "ticket_status.changed",
  chat_id: null,
  seq: null,
  data: { change, status_id, by: { id: 9, name: "Olive Owner" } },
});
/** Lets the answers and the code awaiting them run (the timers are the test's own). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
}

test("ticket_status.changed: the statuses read again, once for a burst", async () => {
  mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const random = Math.random;
  Math.random = () => 0.5;
  try {
    setActivePinia(createPinia());
    const table = eventTable();
    // Never read (no page showed them): an event reads nothing.
    table["ticket_status.changed"]?.(changed(1, "updated"));
    mock.timers.tick(2000);
    await settle();
    assert.deepEqual(asked, []);

    // A desk, another tab, that shows them.
    setActivePinia(createPinia());
    const statuses = useStatuses();
    await statuses.ensure();
    assert.deepEqual(statuses.offered("hold").map((s) => s.name), ["Waiting on vendor"]);
    asked.length = 0;
    // An admin renamed one, added another and archived the first, in a burst.
    served = [{ ...status(1, "Vendor"), archived: true }, status(2, "In progress", "open")];
    for (const each of [changed(1, "updated"), changed(2, "created"), changed(1, "updated")]) {
      table["ticket_status.changed"]?.(each);
    }
    // 200 ms and half of the jitter's 1.5 s: not yet.
    mock.timers.tick(900);
    await settle();
    assert.deepEqual(asked, []);
    mock.timers.tick(100);
    await settle();
    assert.deepEqual(asked, ["/api/v1/ticket-statuses"]);
    assert.deepEqual(statuses.offered("hold"), []);
    assert.equal(statuses.byId(1)?.name, "Vendor");
    assert.deepEqual(statuses.offered("open").map((s) => s.name), ["In progress"]);

    // Deleted while the connection was down: read again when it is back.
    served = [status(2, "In progress", "open")];
    await statuses.resumed();
    assert.equal(statuses.byId(1), undefined);
  } finally {
    Math.random = random;
    mock.timers.reset();
  }
});
