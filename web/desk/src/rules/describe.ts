/**
 * A rule's moment and conditions in the admin's words: the rules list, and the audit log's
 * "Changes" (audit/changeWords.ts) say them the same way. Names come from the desk's stores; one
 * that is not there (deleted, or not read yet) reads as `gone` says: `#12` here, "deleted label
 * #12" in the audit log, which reads the stores before it shows anything.
 */
import { opWords, takesValue, valueWords } from "../fields/automation";
import { useFields } from "../fields/store";
import { t, type Key } from "../i18n";
import { useInboxes } from "../inboxes/store";
import { useLabels } from "../labels/store";
import { useStatuses } from "../statuses/store";
import { useUsers } from "../users/store";
import type { Condition, When } from "./api";

/** What a rule, macro or audit entry names by id (or, a custom field, by key). */
export type Named = "label" | "status" | "inbox" | "user" | "field";
/** What to say of a name the stores do not hold. */
export type Gone = (kind: Named, id: number | string) => string;
export const shortId: Gone = (kind, id) => {
  if (kind === "field") return String(id);
  return kind === "user" ? t("common.userNumber", { id }) : `#${id}`;
};

const k = (key: string) => key as Key;

/** A state's plain status in a status condition: "Hold" is on hold without a custom status,
 * which the words say once the state has some. */
export function plainStatus(state: string): string {
  const name = t(k(`tickets.state_${state}`));
  return useStatuses().items.some((status) => status.state === state) ? t("statuses.plainOf", { state: name }) : name;
}

const labelName = (id: number, gone: Gone) => useLabels().items.find((l) => l.id === id)?.name ?? gone("label", id);
const statusName = (id: number, gone: Gone) => useStatuses().byId(id)?.name ?? gone("status", id);

/** "A ticket is created by a customer", "In a status for… 24 h: Waiting on vendor". */
export function describeWhen(when: When, gone: Gone = shortId): string {
  const head = t(k(`rules.when_${when.type}`));
  if (when.type === "created" && when.by) return `${head} ${t(k(`rules.by_${when.by}`))}`;
  if (when.type === "label_added" && when.label_id != null) return `${head}: ${labelName(when.label_id, gone)}`;
  if (when.type === "state_changed" && when.state) return `${head}: ${t(k(`tickets.state_${when.state}`))}`;
  if (when.type === "no_reply") return `${head} ${when.hours} h`;
  if (when.type === "in_state") return `${head} ${when.hours} h: ${t(k(`tickets.state_${when.state}`))}`;
  if (when.type === "in_status") return `${head} ${when.hours} h: ${statusName(when.status_id, gone)}`;
  return head;
}

/** "Label has “Billing”", "Ticket field Plan is “Pro”", "Business hours: out of business hours";
 * in French the values in « » (rules.quoted). */
export function describeCondition(condition: Condition, gone: Gone = shortId): string {
  const field = t(k(`rules.field_${condition.field}`));
  if (condition.field === "ticket_field" || condition.field === "customer_field") {
    const object = condition.field === "ticket_field" ? "ticket" : "customer";
    const custom = useFields().items.find((each) => each.object === object && each.key === condition.key);
    const name = `${field} ${custom?.label ?? gone("field", condition.key)}`;
    if (typeof condition.value === "boolean") return `${name} ${condition.value === (condition.op === "is") ? t("fields.isTicked") : t("fields.isNotTicked")}`;
    const words = opWords(custom?.kind, condition.op);
    return takesValue(condition.op) ? `${name} ${words} ${valueWords(custom, condition.value)}` : `${name} ${words}`;
  }
  const op = t(k(`rules.op_${condition.op}`));
  if (condition.field === "hours") return `${field}: ${op}`;
  let value = "value" in condition ? String(condition.value) : "";
  if (condition.field === "inbox") value = useInboxes().byId(condition.value)?.name ?? gone("inbox", condition.value);
  if (condition.field === "label") value = labelName(condition.value, gone);
  if (condition.field === "channel") value = t(k(`rules.channel_${condition.value}`));
  if (condition.field === "priority") value = t(k(`sla.priority_${condition.value}`));
  if (condition.field === "assignee") {
    const id = condition.value;
    value = id == null ? t("rules.nobody") : (useUsers().items.find((user) => user.id === id)?.name ?? gone("user", id));
  }
  if (condition.field === "status") {
    const status = condition.value;
    value = typeof status === "number" ? statusName(status, gone) : plainStatus(status);
  }
  return `${field} ${op} ${t("rules.quoted", { value })}`;
}
