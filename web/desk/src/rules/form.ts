/**
 * The rule editor's form. Its actions are the macro editor's (macros/form.ts): the same fields,
 * saved in the same order, without "me" (a rule runs as nobody); its reply is signed by the inbox.
 */
import type { Macro } from "../macros/api";
import { actionsOf, emptyForm as emptyActions, formOf as actionsFormOf, type MacroForm } from "../macros/form";
import type { Condition, Definition, Rule, When } from "./api";

export type WhenType = When["type"];
export const TIMED: WhenType[] = ["no_reply", "in_state", "in_status"];
/** Who created the ticket, for "A ticket is created": "" is either. */
export type CreatedBy = "" | "customer" | "agent";
export const CREATED_BY: CreatedBy[] = ["customer", "agent", ""];

export interface ConditionRow {
  field: Condition["field"];
  op: string;
  /** A checkbox field's is true or false (ticked or not); every other value is text: the
   * assignee's id or `none` (nobody), a custom status as `status-<id>` (the status selects'
   * values) or a state for its plain status. */
  value: string | boolean;
  /** A ticket's or customer's custom field: its key. */
  key?: string;
}

export const FIELD_CONDITIONS: Condition["field"][] = ["ticket_field", "customer_field"];
export const isFieldRow = (row: ConditionRow) => FIELD_CONDITIONS.includes(row.field);

export interface RuleForm {
  id: number | null;
  name: string;
  enabled: boolean;
  when: WhenType;
  /** A new rule answers what customers create: an acknowledgement must not reach a caller an agent filed a ticket for. */
  by: CreatedBy;
  labelId: string;
  state: string;
  /** "In a status for…": the custom status as `status-<id>` (the status selects' values), "" before one is chosen. */
  status: string;
  hours: string;
  match: "all" | "any";
  conditions: ConditionRow[];
  actions: MacroForm;
}

/** The operators each field offers, the first one the default. */
export const OPS: Record<Condition["field"], string[]> = {
  inbox: ["is", "is_not"],
  channel: ["is", "is_not"],
  label: ["has", "has_not"],
  customer_email: ["contains", "equals", "not_contains"],
  customer_name: ["contains", "equals", "not_contains"],
  customer_domain: ["equals", "contains", "not_contains"],
  text: ["contains", "not_contains"],
  hours: ["in", "out"],
  priority: ["is", "is_not"],
  assignee: ["is", "is_not"],
  status: ["is", "is_not"],
  // By the field's kind (fields/automation.ts FIELD_OPS).
  ticket_field: [],
  customer_field: [],
};

/** The value a condition starts with when chosen: nobody's tickets, the urgent ones; a status
 * is to be chosen. */
export const FIRST_VALUE: Partial<Record<Condition["field"], string>> = { priority: "urgent", assignee: "none" };

export function emptyForm(): RuleForm {
  return { id: null, name: "", enabled: true, when: "created", by: "customer", labelId: "", state: "", status: "", hours: "24", match: "all", conditions: [], actions: emptyActions() };
}

export function formOf(rule: Rule): RuleForm {
  const form = emptyForm();
  form.id = rule.id;
  form.name = rule.name;
  form.enabled = rule.enabled;
  form.when = rule.when.type;
  if (rule.when.type === "created") form.by = rule.when.by ?? "";
  if (rule.when.type === "label_added") form.labelId = rule.when.label_id != null ? String(rule.when.label_id) : "";
  if (rule.when.type === "state_changed") form.state = rule.when.state ?? "";
  if (rule.when.type === "in_state") form.state = rule.when.state;
  if (rule.when.type === "in_status") form.status = `status-${rule.when.status_id}`;
  if (rule.when.type === "no_reply" || rule.when.type === "in_state" || rule.when.type === "in_status") form.hours = String(rule.when.hours);
  form.match = rule.match;
  form.conditions = rule.conditions.map((c) => {
    if (c.field === "ticket_field" || c.field === "customer_field") {
      // A checkbox's "is not ticked" is shown as is false.
      if (typeof c.value === "boolean") return { field: c.field, key: c.key, op: "is", value: c.op === "is" ? c.value : !c.value };
      return { field: c.field, key: c.key, op: c.op, value: c.value == null ? "" : String(c.value) };
    }
    if (c.field === "assignee") return { field: c.field, op: c.op, value: c.value == null ? "none" : String(c.value) };
    if (c.field === "status") return { field: c.field, op: c.op, value: typeof c.value === "number" ? `status-${c.value}` : c.value };
    return { field: c.field, op: c.op, value: "value" in c ? String(c.value) : "" };
  });
  // The macro form reads only a macro's actions and inbox.
  form.actions = actionsFormOf({ actions: rule.actions, inbox_id: null } as unknown as Macro);
  return form;
}

function whenOf(form: RuleForm): When {
  switch (form.when) {
    case "created":
      return { type: "created", by: form.by || null };
    case "label_added":
      return { type: "label_added", label_id: form.labelId ? Number(form.labelId) : null };
    case "state_changed":
      return { type: "state_changed", state: (form.state || null) as "open" | "hold" | "snoozed" | "closed" | null };
    case "no_reply":
      return { type: "no_reply", hours: Number(form.hours) };
    case "in_state":
      return { type: "in_state", state: (form.state || "hold") as "open" | "hold" | "closed", hours: Number(form.hours) };
    case "in_status":
      return { type: "in_status", status_id: Number(form.status.slice("status-".length)), hours: Number(form.hours) };
    default:
      return { type: form.when };
  }
}

function conditionOf(row: ConditionRow): Condition {
  const numeric = row.field === "inbox" || row.field === "label";
  if (row.field === "hours") return { field: "hours", op: row.op as "in" | "out" };
  const value = String(row.value);
  if (row.field === "assignee") return { field: "assignee", op: row.op as "is" | "is_not", value: value === "none" ? null : Number(value) };
  if (row.field === "status") {
    const status = value.startsWith("status-") ? Number(value.slice("status-".length)) : (value as "open" | "hold" | "snoozed" | "closed");
    return { field: "status", op: row.op as "is" | "is_not", value: status };
  }
  if (isFieldRow(row)) {
    const value = row.op === "set" || row.op === "not_set" ? null : row.value;
    return { field: row.field, key: row.key ?? "", op: row.op, value } as Condition;
  }
  return { field: row.field, op: row.op, value: numeric ? Number(row.value) : row.value } as Condition;
}

export function definitionOf(form: RuleForm): Definition {
  return { when: whenOf(form), match: form.match, conditions: form.conditions.map(conditionOf), actions: actionsOf(form.actions) };
}
