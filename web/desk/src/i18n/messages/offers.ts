import type { Words } from "../words";

// Chats offered to one agent at a time (docs/routing.md, "Offering chats one agent at a time").
export const en = {
  option: "Offer chats to one agent at a time",
  optionHint:
    "A new chat is offered to one online member with room for it (chosen as above; balanced when auto-assignment is off), who accepts or declines. Declined or unanswered, it goes to the next; when everyone was asked, to everybody.",
  timeout: "Seconds to accept",
  offeredToYou: "Offered to you",
  accept: "Accept",
  decline: "Decline",
  secondsLeft: { one: "{n} second left", other: "{n} seconds left" },
  movingOn: "Passing it on…",
  offeredToOther: "Offered to {name} right now. If they decline or do not answer, it goes to the next agent, and in the end to everybody.",
  barMeaning: "Offered to you alone: accept or decline",
  queueOffered: "offered to {name}",
};

export const fr: Words<typeof en> = {
  option: "Proposer les chats à un agent à la fois",
  optionHint:
    "Un nouveau chat est proposé à un membre en ligne qui a de la place (choisi comme ci-dessus ; équilibré si l'attribution automatique est désactivée), qui l'accepte ou le refuse. Refusé ou sans réponse, il passe au suivant ; quand tous ont été sollicités, à tout le monde.",
  timeout: "Secondes pour accepter",
  offeredToYou: "Proposé à vous",
  accept: "Accepter",
  decline: "Refuser",
  secondsLeft: { one: "{n} seconde restante", other: "{n} secondes restantes" },
  movingOn: "Transmission…",
  offeredToOther: "Proposé à {name} en ce moment. S'il refuse ou ne répond pas, il passe à l'agent suivant, puis à tout le monde.",
  barMeaning: "Proposé à vous seul : acceptez ou refusez",
  queueOffered: "proposé à {name}",
};
