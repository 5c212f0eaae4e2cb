// A ticket sidebar panel's click (Linked tickets, Side conversations: ui/panelAction.ts): busy
// while the call runs, the earlier error gone, the panel's list read again after the call; a
// refusal said in the panel's error line, with nothing read again, and the panel usable again.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { usePanelAction } = await import("../src/ui/panelAction");

test("a call that goes through: busy meanwhile, the old error gone, the list read again after", async () => {
  const steps: string[] = [];
  const { busy, error, act } = usePanelAction(async () => {
    steps.push(`reload busy=${busy.value}`);
  });
  error.value = "The last click was refused.";
  const ok = await act(async () => {
    steps.push(`work busy=${busy.value} error=${JSON.stringify(error.value)}`);
  });
  assert.equal(ok, true);
  assert.deepEqual(steps, ['work busy=true error=""', "reload busy=true"]);
  assert.equal(busy.value, false);
  assert.equal(error.value, "");
});

test("a refused call: said in the error line, nothing read again, the panel usable again", async () => {
  let reloads = 0;
  const { busy, error, act } = usePanelAction(async () => {
    reloads += 1;
  });
  const ok = await act(async () => {
    throw new Error("That ticket is already linked.");
  });
  assert.equal(ok, false);
  assert.equal(error.value, "That ticket is already linked.");
  assert.equal(reloads, 0);
  assert.equal(busy.value, false);
});

test("a read after the call that fails: said too, and the call counts as not done", async () => {
  const { busy, error, act } = usePanelAction(async () => {
    throw new Error("Network down.");
  });
  assert.equal(await act(async () => undefined), false);
  assert.equal(error.value, "Network down.");
  assert.equal(busy.value, false);
});
