/**
 * Custom fields in rules and macros: the operators a rule's condition offers for each kind of
 * field (the server's list, fields/automation.py), and how a "set fields" action is shown.
 */
import type { CustomField } from "../api/types";
import { t } from "../i18n";

export type FieldOp = "is" | "is_not" | "contains" | "not_contains" | "gt" | "gte" | "lt" | "lte" | "set" | "not_set";

const EQUALITY: FieldOp[] = ["is", "is_not"];
const COMPARING: FieldOp[] = ["gte", "gt", "lte", "lt"];
const PRESENCE: FieldOp[] = ["set", "not_set"];

/** What a condition on a field of each kind may ask; a checkbox only "is" ticked or not. */
export const FIELD_OPS: Record<CustomField["kind"], FieldOp[]> = {
  text: [...EQUALITY, "contains", "not_contains", ...PRESENCE],
  list: [...EQUALITY, ...PRESENCE],
  number: [...EQUALITY, ...COMPARING, ...PRESENCE],
  date: [...EQUALITY, ...COMPARING, ...PRESENCE],
  checkbox: ["is"],
};

/** Whether the operator compares with a value ("is set" does not). */
export const takesValue = (op: string) => !PRESENCE.includes(op as FieldOp);

/** The operator in words: a date is after or before, a number more or less. */
export function opWords(kind: CustomField["kind"] | undefined, op: string): string {
  if (kind === "date" && COMPARING.includes(op as FieldOp)) return t(`fields.opDate_${op as "gt"}`);
  return t(`fields.op_${op as "is"}`);
}

/** A value as a person reads it: a ticked box, a cleared field, the option or number as is. */
export function valueWords(field: CustomField | undefined, value: unknown): string {
  if (typeof value === "boolean") return value ? t("fields.ticked") : t("fields.unticked");
  if (value == null || value === "") return t("fields.notSet");
  return field?.kind === "text" ? t("rules.quoted", { value: String(value) }) : String(value);
}

/** "Set Plan to Pro", "Clear Seats", "Tick VIP", for the macro list, a preview, a rule. */
export function describeSettings(fields: CustomField[], values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      const field = fields.find((each) => each.object === "ticket" && each.key === key);
      const name = field?.label ?? key;
      if (typeof value === "boolean") return t(value ? "fields.doTick" : "fields.doUntick", { name });
      if (value == null || value === "") return t("fields.doClear", { name });
      return t("fields.doSet", { name, value: String(value) });
    })
    .join(" · ");
}
