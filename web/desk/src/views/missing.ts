/** What a view's `missing` names (GET /api/v1/views), in the agent's words, for the callout. */
import { t, type Key } from "../i18n";

const MISSING: Record<string, Key> = {
  inbox_id: "views.missingInbox",
  label_id: "views.missingLabel",
  organisation_id: "views.missingOrganisation",
  assignee_id: "views.missingAssignee",
  field: "views.missingField",
};

/** "inbox, label"; a filter the desk has no word for yet is named as the API names it. */
export function missingText(fields: readonly string[]): string {
  return fields.map((field) => (field in MISSING ? t(MISSING[field]) : field.replace(/_id$/, ""))).join(", ");
}
