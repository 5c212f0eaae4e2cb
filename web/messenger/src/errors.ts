// What the visitor reads when something is refused: the server's codes (docs/api.md, "Errors")
// turned into the messenger's own words, in the visitor's language, and placed next to the
// field they are about. The server's English messages are for API users and are never shown.

import type { Key, Translate } from "./i18n";
import { ApiError, type FieldProblem } from "./net";

/** The form's inputs, by the name the API gives them. */
export type FormField = "name" | "email" | "text";

export interface Problem {
  /** The input the words are about; none: the words go above the form. */
  field?: FormField;
  text: string;
}

const FORM_FIELDS: readonly string[] = ["name", "email", "text"];

const REQUIRED: Record<FormField, Key> = {
  name: "nameRequired",
  email: "emailRequired",
  text: "messageRequired",
};

function fieldWords(t: Translate, field: FormField, problem: FieldProblem): string {
  switch (problem.code) {
    case "required":
      return t(REQUIRED[field]);
    case "too_long":
      return problem.limit ? t("tooLong", { n: problem.limit }) : t("tooLongNoLimit");
    case "email_invalid":
      return t("emailInvalid");
    case "email_unroutable":
      return t("emailUnroutable");
    default:
      return t("fieldInvalid");
  }
}

/** What to tell the visitor about a refused form (starting a chat, or the contact form). */
export function formProblems(t: Translate, error: unknown): Problem[] {
  // A form is sent again by the visitor, not by us (messages are retried by themselves).
  if (!(error instanceof ApiError) || error.network) return [{ text: t("offlineForm") }];
  if (error.code === "identity_unverified") return [{ field: "email", text: t("emailNotSignedIn") }];
  if (error.code === "unconfirmed_email_limit") {
    const minutes = Math.max(1, Math.round((error.retryAfter || 60) / 60));
    return [{ field: "email", text: t("emailLimit", { n: minutes }) }];
  }
  const problems: Problem[] = [];
  for (const problem of error.fields) {
    if (!FORM_FIELDS.includes(problem.field)) continue;
    const field = problem.field as FormField;
    // One message per input, the first the server gave.
    if (problems.some((p) => p.field === field)) continue;
    problems.push({ field, text: fieldWords(t, field, problem) });
  }
  return problems.length ? problems : [{ text: errorText(t, error) }];
}

/** Words for an error that is about no one input: above the form, or on a message not sent. */
export function errorText(t: Translate, error: unknown): string {
  if (!(error instanceof ApiError) || error.network) return t("offlineError");
  switch (error.code) {
    case "rate_limited":
      return t("rateLimited", { n: error.retryAfter || 30 });
    case "origin_not_allowed":
    case "unknown_inbox":
      return t("misconfigured");
    case "no_agents_online":
      return t("nobodyOnline");
    case "inbox_closed":
      return t("closedTitle");
    case "chat_ended":
      return t("ended");
    case "visitor_blocked":
      return t("blocked");
  }
  const text = error.fields.find((problem) => problem.field === "text");
  if (text) return fieldWords(t, "text", text);
  // The website's developer can read the server's reason; the visitor gets plain words.
  console.warn("frontdesk:", error.code, error.message);
  return t("somethingWrong");
}

/** A first check of a typed address before it is sent (the server decides the rest). */
export function looksLikeEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(text);
}
