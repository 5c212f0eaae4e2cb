// The saved reply form names what in double braces is no variable, as the server refuses it
// (replies/variables.py): a typo, a name with a dash, a fallback that says nothing.

import assert from "node:assert/strict";
import test from "node:test";
import { notVariables } from "../src/replies/variables";

const KNOWN = new Set(["customer.first_name", "customer.name", "agent.name"]);

test("known variables, with or without a fallback, are variables", () => {
  assert.deepEqual(notVariables("Hi {{customer.first_name}}, {{ customer.name | there }} — {{agent.name|our team}}", KNOWN), []);
});

test("what is no variable is named once, as the server names it", () => {
  const text = "{{customer-name}} {{customer.frist}} {{customer.frist|x}} {{customer.first_name|}} {{ }} {{customer-name}}";
  assert.deepEqual(notVariables(text, KNOWN), ["customer-name", "customer.frist", "customer.first_name|", ""]);
});

test("single braces and text around them are left alone", () => {
  assert.deepEqual(notVariables("Use {curly} braces { {like} } this", KNOWN), []);
});
