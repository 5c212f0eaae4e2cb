// The rule editor's "A ticket is created" says by whom (docs/routing.md, "When"): a new rule
// answers what customers create, so that "Ack every new email" never reaches a caller an agent
// filed a ticket for; a saved rule keeps what it says, "by anyone" included.

import assert from "node:assert/strict";
import test from "node:test";
import type { Rule } from "../src/rules/api";
import { definitionOf, emptyForm, formOf } from "../src/rules/form";

function saved(when: Rule["when"]): Rule {
  return {
    id: 1,
    name: "Ack",
    enabled: true,
    position: 1,
    when,
    match: "all",
    conditions: [],
    actions: [{ type: "note", text: "x" }],
    created_by_id: null,
    updated_by_id: null,
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    catch_up: null,
  };
}

test("a new rule on created tickets answers the customers' ones", () => {
  const form = emptyForm();
  form.actions.note = "x";
  assert.deepEqual(definitionOf(form).when, { type: "created", by: "customer" });
  form.by = "";
  assert.deepEqual(definitionOf(form).when, { type: "created", by: null });
});

test("a saved rule keeps who it answers, by anyone included", () => {
  for (const by of ["customer", "agent", null] as const) {
    const form = formOf(saved({ type: "created", by }));
    assert.equal(form.by, by ?? "");
    assert.deepEqual(definitionOf(form).when, { type: "created", by });
  }
  // Written before "by" existed: by anyone.
  assert.deepEqual(definitionOf(formOf(saved({ type: "created" }))).when, { type: "created", by: null });
});

test("another moment says nothing of who created the ticket", () => {
  const form = formOf(saved({ type: "customer_replied" }));
  assert.deepEqual(definitionOf(form).when, { type: "customer_replied" });
});

// Priority, assignee and status conditions (docs/routing.md, "If"): the form's selects hold
// text (`none` for nobody, `status-<id>` as the status selects write a custom status, a state
// for its plain status) and the rule gets the API's values back.
test("priority, assignee and status conditions go back and forth", () => {
  const conditions: Rule["conditions"] = [
    { field: "priority", op: "is", value: "urgent" },
    { field: "assignee", op: "is", value: null },
    { field: "assignee", op: "is_not", value: 7 },
    { field: "status", op: "is", value: 3 },
    { field: "status", op: "is_not", value: "hold" },
  ];
  const form = formOf({ ...saved({ type: "customer_replied" }), conditions });
  assert.deepEqual(
    form.conditions.map((row) => row.value),
    ["urgent", "none", "7", "status-3", "hold"],
  );
  assert.deepEqual(definitionOf(form).conditions, conditions);
});

// "In a status for… N hours" (docs/routing.md, "When"): the status select holds `status-<id>`
// as every status select does, and the rule gets the status's id and the hours back.
test("in a status for N hours goes back and forth", () => {
  const when: Rule["when"] = { type: "in_status", status_id: 4, hours: 120 };
  const form = formOf(saved(when));
  assert.equal(form.status, "status-4");
  assert.equal(form.hours, "120");
  assert.deepEqual(definitionOf(form).when, when);
  const fresh = emptyForm();
  fresh.actions.note = "x";
  fresh.when = "in_status";
  fresh.status = "status-9";
  fresh.hours = "5";
  assert.deepEqual(definitionOf(fresh).when, { type: "in_status", status_id: 9, hours: 5 });
});
