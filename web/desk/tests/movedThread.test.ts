// The reply box's stale-thread banner (docs/desk.md): besides new messages it lists the timeline
// line of a move that changed the thread (a merge, an undone split, an erasure's give-back), which
// the server counts as new; other timeline lines are not listed.

import assert from "node:assert/strict";
import test from "node:test";

import { movedThread } from "../src/tickets/threadMoves";

test("the line of a move that changed the thread counts, other timeline lines do not", () => {
  assert.equal(movedThread({ kind: "event", data: { move_id: 4, merged_from: 9 } }), true);
  assert.equal(movedThread({ kind: "event", data: { move_id: 4, undone: true } }), true);
  assert.equal(movedThread({ kind: "event", data: { erasure: true } }), true);
  assert.equal(movedThread({ kind: "event", data: { macro_id: 2 } }), false);
  assert.equal(movedThread({ kind: "reply", data: { move_id: 4 } }), false);
});
