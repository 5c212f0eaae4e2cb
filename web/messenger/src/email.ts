// The visitor's email for a chat nobody answers in time (docs/messenger.md, "Nobody answers"):
// offered in the waiting card once the usual wait is over, and in the ended card of a chat that
// ended unanswered without one. It goes to the chat itself (POST /chats/{id}/email), so the
// answer comes by email on the chat's own ticket: no second chat, no second ticket. Built once
// per chat and kept across redraws (the cards are redrawn; what the visitor types stays).

import { h } from "./dom";
import { formProblems, looksLikeEmail } from "./errors";
import type { ChatRead } from "./types";
import type { App } from "./view";

/** By chat, with the words it was built in: a change of language builds it again. */
const forms = new Map<number, { form: HTMLFormElement; t: App["t"] }>();

export function emailForm(app: App, chatId: number): HTMLFormElement {
  for (const [id, kept] of forms) if (id !== chatId || kept.t !== app.t) forms.delete(id);
  let form = forms.get(chatId)?.form;
  if (!form) {
    form = build(app, chatId);
    forms.set(chatId, { form, t: app.t });
  }
  return form;
}

function build(app: App, chatId: number): HTMLFormElement {
  const t = app.t;
  const id = `fd-late-email-${chatId}`;
  const input = h("input", {
    id,
    type: "email",
    autocomplete: "email",
    required: true,
    "aria-describedby": `${id}-error`,
  });
  input.value = app.identity?.email ?? "";
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const button = h("button", { type: "submit", class: "primary", text: t("emailMe") });
  const say = (text: string | null): void => {
    error.textContent = text ?? "";
    error.hidden = !text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  input.addEventListener("input", () => say(null));
  let sending = false;
  const form = h(
    "form",
    {
      class: "late-email",
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const email = input.value.trim();
        if (!looksLikeEmail(email)) {
          say(t(email ? "emailInvalid" : "emailRequired"));
          input.focus();
          return;
        }
        // Not disabled: a disabled button drops the focus, which must stay in the panel.
        if (sending) return;
        sending = true;
        app.api<ChatRead>("POST", `/chats/${chatId}/email`, { email }).then(
          () => {
            const chat = app.conversation.chat;
            if (chat?.id === chatId) chat.email = true;
            forms.delete(chatId);
            app.chatChanged();
          },
          (failure: unknown) => {
            sending = false;
            say(formProblems(t, failure)[0]?.text ?? null);
            input.focus();
          },
        );
      },
    },
    h("label", { for: id, text: t("email") }),
    h("div", { class: "late-email-row" }, input, button),
    error,
  );
  return form;
}
