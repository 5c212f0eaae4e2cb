import type { Words } from "../words";

export const en = {
  heading: "Satisfaction",
  none: "Not rated yet.",
  score_good: "Good",
  score_okay: "Okay",
  score_bad: "Bad",
  channel_chat: "rated in the chat",
  channel_email: "rated by email",
  rated: "{score}, {channel}, {when}",
  changed: "changed {when}",
  noComment: "No comment.",
  ratingOf: "Rating: {score}",
};

export const fr: Words<typeof en> = {
  heading: "Satisfaction",
  none: "Pas encore évalué.",
  score_good: "Bien",
  score_okay: "Moyen",
  score_bad: "Mal",
  channel_chat: "évalué dans le chat",
  channel_email: "évalué par e-mail",
  rated: "{score}, {channel}, {when}",
  changed: "modifié {when}",
  noComment: "Aucun commentaire.",
  ratingOf: "Évaluation : {score}",
};
