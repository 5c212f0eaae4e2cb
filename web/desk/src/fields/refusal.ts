import { ApiError, messageOf } from "../api/client";
import type { CustomField } from "../api/types";
import { locale, t } from "../i18n";

// The codes of a refusal of the value itself; another (`unavailable`: the field was archived or
// deleted meanwhile) is not about what the kind takes, and the server's message says what happened.
const KIND_CODES = new Set(["invalid", "too_long"]);

/** What to show under a field whose value the server refused. */
export function refusal(field: CustomField, error: unknown): string {
  // The server names the field and what is wrong, in English; another language says what the
  // field takes in its own words.
  if (error instanceof ApiError && error.status === 422 && locale.value !== "en") {
    const code = error.fields.find((each) => each.field === `fields.${field.key}`)?.code;
    if (code && KIND_CODES.has(code)) return t(`fields.wrong_${field.kind}`);
  }
  return messageOf(error);
}
