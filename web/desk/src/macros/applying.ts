/**
 * What the desk asks and sends when a macro is applied: the bulk bar's question before a macro
 * runs on many tickets (with a warning when it emails their customers), and, on a ticket, the
 * newest entry the agent saw when they chose the macro (`seen_entry_id`: the server refuses a
 * reply over messages that arrived since, as it does the reply box's); from the list, each selected
 * ticket's newest message as its row showed it (`seen_entry_ids`). docs/routing.md, "Bulk
 * actions" and "Macros".
 */
import { t } from "../i18n";
import type { Action, Macro } from "./api";

/** The question of ui/ConfirmDialog.vue. */
export interface BulkQuestion {
  title: string;
  text: string;
  steps: string[];
  warning?: string;
  confirm: string;
}

export function sendsReply(macro: Pick<Macro, "actions">): boolean {
  return macro.actions.some((action) => action.type === "reply");
}

/** What the bulk bar asks before applying `macro` to `count` tickets: each step, and a warning
 * when it emails the customers (which no one can take back). */
export function bulkQuestion(macro: Pick<Macro, "name" | "actions">, count: number, describe: (action: Action) => string): BulkQuestion {
  return {
    title: t("macros.bulkAsk", { name: macro.name, n: count }),
    text: t("macros.bulkWillDo", { n: count }),
    steps: macro.actions.map(describe),
    warning: sendsReply(macro) ? t("macros.bulkEmails", { n: count }) : undefined,
    confirm: t("macros.bulkConfirm", { n: count }),
  };
}

/** The id of the newest entry of the ticket as the page shows it; 0 when it has none. */
export function newestEntryId(ticket: { entries: { id: number }[] } | undefined): number {
  return Math.max(0, ...(ticket?.entries ?? []).map((entry) => entry.id));
}

/** The newest message of a ticket as a list row shows it (`last_public_entry_id`); 0 when it has
 * none: then any message that arrives is one the agent did not see. */
export function seenEntryId(row: { last_public_entry_id?: number | null }): number {
  return row.last_public_entry_id ?? 0;
}

/** `seen_entry_ids` of a bulk request: for each ticket sent that was seen when selected, the
 * newest message it showed, keyed by the ticket's id as a string (a JSON object's key). */
export function seenEntries(ids: number[], chosenOn: ReadonlyMap<number, number>): Record<string, number> {
  return Object.fromEntries(ids.filter((id) => chosenOn.has(id)).map((id) => [String(id), chosenOn.get(id)!]));
}
