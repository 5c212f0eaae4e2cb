/**
 * The macro editor's form and the actions it stands for. The desk saves a macro's actions in one
 * order (the move to another inbox, labels, fields, assignee, note, reply, then the state, status or snooze), the
 * order an agent would take them by hand, and the move first so that the assignee is one of the
 * new inbox; the API accepts any order.
 */
import type { Setting } from "../fields/FieldSettingsEditor.vue";
import type { Action, Macro } from "./api";

export interface MacroForm {
  id: number | null;
  name: string;
  inbox: string;
  replyMode: "" | "text" | "saved";
  replyText: string;
  savedReplyId: string;
  add: number[];
  remove: number[];
  /** "", a state, or a custom status as `status-<id>` (Settings → Ticket statuses). */
  state: "" | "open" | "hold" | "closed" | `status-${number}`;
  snoozeHours: string;
  assignee: string; // "", "me", "none" or a user id
  note: string;
  moveTo: string; // "" or an inbox id
  /** Ticket fields to set: "" clears one, a checkbox is true or false. */
  fields: Setting[];
}

export function emptyForm(inbox = ""): MacroForm {
  return { id: null, name: "", inbox, replyMode: "", replyText: "", savedReplyId: "", add: [], remove: [], state: "", snoozeHours: "", assignee: "", note: "", moveTo: "", fields: [] };
}

export function formOf(macro: Macro): MacroForm {
  const form = emptyForm(macro.inbox_id != null ? String(macro.inbox_id) : "");
  form.id = macro.id;
  form.name = macro.name;
  for (const action of macro.actions) {
    switch (action.type) {
      case "label":
        form.add = [...(action.add ?? [])];
        form.remove = [...(action.remove ?? [])];
        break;
      case "assign":
        form.assignee = action.assignee === "me" ? "me" : action.assignee == null ? "none" : String(action.assignee);
        break;
      case "note":
        form.note = action.text;
        break;
      case "reply":
        if (action.saved_reply_id != null) {
          form.replyMode = "saved";
          form.savedReplyId = String(action.saved_reply_id);
        } else {
          form.replyMode = "text";
          form.replyText = action.text ?? "";
        }
        break;
      case "set_state":
        form.state = action.state;
        break;
      case "set_status":
        form.state = `status-${action.status_id}`;
        break;
      case "snooze":
        form.snoozeHours = action.minutes ? String(Math.max(1, Math.round(action.minutes / 60))) : "";
        break;
      case "set_inbox":
        form.moveTo = String(action.inbox_id);
        break;
      case "set_fields":
        form.fields = Object.entries(action.fields).map(([key, value]) => ({ key, value: typeof value === "boolean" ? value : String(value ?? "") }));
        break;
    }
  }
  return form;
}

export function actionsOf(form: MacroForm): Action[] {
  const actions: Action[] = [];
  if (form.moveTo) actions.push({ type: "set_inbox", inbox_id: Number(form.moveTo) });
  if (form.add.length || form.remove.length) actions.push({ type: "label", add: form.add, remove: form.remove });
  if (form.fields.length) {
    actions.push({ type: "set_fields", fields: Object.fromEntries(form.fields.map((row) => [row.key, row.value === "" ? null : row.value])) });
  }
  if (form.assignee) {
    actions.push({ type: "assign", assignee: form.assignee === "me" ? "me" : form.assignee === "none" ? null : Number(form.assignee) });
  }
  if (form.note.trim()) actions.push({ type: "note", text: form.note });
  if (form.replyMode === "text" && form.replyText.trim()) actions.push({ type: "reply", text: form.replyText });
  if (form.replyMode === "saved" && form.savedReplyId) actions.push({ type: "reply", saved_reply_id: Number(form.savedReplyId) });
  if (form.state.startsWith("status-")) actions.push({ type: "set_status", status_id: Number(form.state.slice("status-".length)) });
  else if (form.state) actions.push({ type: "set_state", state: form.state as "open" | "hold" | "closed" });
  const hours = Number(form.snoozeHours);
  if (form.snoozeHours && hours > 0) actions.push({ type: "snooze", minutes: Math.round(hours * 60) });
  return actions;
}
