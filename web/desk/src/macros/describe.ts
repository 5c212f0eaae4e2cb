/** What an action will do, in the agent's words: the macro list, the menu's preview, the bulk bar. */
import { describeSettings } from "../fields/automation";
import { useFields } from "../fields/store";
import { t } from "../i18n";
import { useInboxes } from "../inboxes/store";
import { useLabels } from "../labels/store";
import { useStatuses } from "../statuses/store";
import { formatFull } from "../ui/format";
import { useUsers } from "../users/store";
import { shortId, type Gone } from "../rules/describe";
import type { Action } from "./api";

export function describeAction(action: Action): string {
  return describeActionSaying(action, shortId);
}

/** The same, a name the stores do not hold said as `gone` says (the audit log: "deleted label #12"). */
export function describeActionSaying(action: Action, gone: Gone): string {
  const labels = useLabels();
  const users = useUsers();
  const labelNames = (ids: number[]) => ids.map((id) => labels.items.find((l) => l.id === id)?.name ?? gone("label", id)).join(", ");
  switch (action.type) {
    case "assign":
      if (action.assignee === "me") return t("macros.doAssignMe");
      if (action.assignee == null) return t("macros.doUnassign");
      return t("macros.doAssign", { name: users.items.find((user) => user.id === action.assignee)?.name ?? gone("user", action.assignee) });
    case "label": {
      const parts: string[] = [];
      if (action.add?.length) parts.push(t("macros.doAddLabels", { names: labelNames(action.add) }));
      if (action.remove?.length) parts.push(t("macros.doRemoveLabels", { names: labelNames(action.remove) }));
      return parts.join(" · ");
    }
    case "set_state":
      return t("macros.doState", { state: t(`tickets.state_${action.state}`) });
    case "snooze":
      return action.until ? t("macros.doSnoozeUntil", { when: formatFull(action.until) }) : t("macros.doSnoozeFor", { n: Math.round((action.minutes ?? 0) / 60) });
    case "reply":
      return action.saved_reply_id != null ? t("macros.doSavedReply") : t("macros.doReply", { text: short(action.text ?? "") });
    case "note":
      return t("macros.doNote", { text: short(action.text) });
    case "set_inbox":
      return t("inboxMove.doMove", { inbox: useInboxes().byId(action.inbox_id)?.name ?? gone("inbox", action.inbox_id) });
    case "set_fields":
      return describeSettings(useFields().items, action.fields);
    case "set_status":
      return t("statuses.doStatus", { name: useStatuses().byId(action.status_id)?.name ?? gone("status", action.status_id) });
  }
}

function short(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
