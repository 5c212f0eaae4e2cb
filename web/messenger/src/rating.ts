// The rating card under an ended chat: the inbox's question, three answers (good / okay / bad),
// an optional comment, and what the server kept. Built once per chat and kept across redraws, so
// a comment being typed survives the events that redraw the ended card.

import { h, icon } from "./dom";
import { ApiError } from "./net";
import type { App } from "./view";

interface Rating {
  score: "good" | "okay" | "bad";
  comment: string;
  changeable_until: string;
}

interface Offer {
  offered: boolean;
  question: string;
  rating: Rating | null;
}

// Drawn, not emoji: a system without an emoji font would show empty boxes.
const FACE = ["M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z", "M9 9.5v1", "M15 9.5v1"];
const SCORES = [
  ["good", "rateGood", "M8 14a4.5 4.5 0 0 0 8 0"],
  ["okay", "rateOkay", "M8.5 15h7"],
  ["bad", "rateBad", "M8 16.5a4.5 4.5 0 0 1 8 0"],
] as const;

/** By chat, with the words it was built in: a change of language builds it again. */
const cards = new Map<number, { card: HTMLElement; t: App["t"] }>();

/** Shows the chat's rating card right after `anchor` (the ended card); hides any other. */
export function showRating(app: App, anchor: HTMLElement, chatId: number | null): void {
  for (const [id, kept] of cards) {
    if (id !== chatId || kept.t !== app.t) {
      kept.card.remove();
      cards.delete(id);
    }
  }
  if (chatId == null) return;
  let card = cards.get(chatId)?.card;
  if (!card) {
    card = build(app, chatId);
    cards.set(chatId, { card, t: app.t });
  }
  if (card.previousElementSibling !== anchor) anchor.after(card);
}

function build(app: App, chatId: number): HTMLElement {
  const t = app.t;
  const path = `/chats/${chatId}/rating`;
  const title = h("p", { class: "card-title", id: `fd-rate-${chatId}` });
  const status = h("p", { class: "rate-status", role: "status" });
  const buttons = SCORES.map(([score, word, mouth]) =>
    h(
      "button",
      {
        type: "button",
        class: "rate",
        "data-score": score,
        "aria-pressed": "false",
        onclick: () => void save({ score }),
      },
      icon(...FACE, mouth),
      h("span", { text: t(word) }),
    ),
  );
  const comment = h("textarea", {
    id: `fd-rate-comment-${chatId}`,
    rows: 2,
    maxlength: 2000,
    placeholder: t("rateCommentHint"),
  });
  const form = h(
    "form",
    {
      class: "rate-comment",
      hidden: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const score = current?.score;
        if (score) void save({ score, comment: comment.value });
      },
    },
    h("label", { for: comment.id, text: t("rateComment") }),
    comment,
    h("button", { type: "submit", class: "secondary", text: t("rateSend") }),
  );
  const card = h(
    "section",
    { class: "card rating", "aria-labelledby": title.id, hidden: true },
    title,
    h("div", { class: "rate-choices", role: "group", "aria-labelledby": title.id }, ...buttons),
    form,
    status,
  );
  let current: Rating | null = null;

  function draw(offer: Offer | null, message = ""): void {
    if (offer) {
      card.hidden = !offer.offered;
      title.textContent = offer.question || t("rateQuestion");
      current = offer.rating;
    }
    const final = current != null && new Date(current.changeable_until).getTime() < Date.now();
    for (const button of buttons) {
      button.setAttribute("aria-pressed", String(button.dataset.score === current?.score));
      button.disabled = final;
    }
    form.hidden = current == null || final;
    if (offer && current && !comment.value) comment.value = current.comment;
    status.textContent = message || (current ? t(final ? "rateFinal" : "rateThanks") : "");
  }

  async function save(body: { score: string; comment?: string }): Promise<void> {
    try {
      const offer = await app.api<Offer>("POST", path, body);
      draw(offer, body.comment !== undefined ? t("rateSaved") : "");
    } catch (error) {
      const final = error instanceof ApiError && error.code === "rating_final";
      draw(null, final ? t("rateFinal") : t("rateFailed"));
    }
  }

  app.api<Offer>("GET", path).then(
    (offer) => draw(offer),
    () => draw({ offered: false, question: "", rating: null }),
  );
  return card;
}
