/**
 * What the desk asks and sends when a macro is applied: the bulk bar's question before a macro
 * runs on many tickets (with a warning when it emails their customers), and, on a ticket, the
 * newest entry the agent saw when they chose the macro (`seen_entry_id`: the server refuses a
 * reply over messages that arrived since, as it does the reply box's). docs/routing.md, "Bulk
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
