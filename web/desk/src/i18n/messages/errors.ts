import type { Words } from "../words";

/**
 * Two kinds of words. camelCase: errors the desk makes itself (no answer, an answer without
 * an explanation). snake_case: the server's error codes (src/frontdesk/errors.py and each
 * domain's errors). The server explains in English, often with a name or a number; an English
 * desk shows the server's own message, another language shows these words for the codes listed
 * here and the server's message for the rest (see docs/desk.md, "Language and time zone").
 */
export const en = {
  network: "Cannot reach the server. Check your connection.",
  server: "The server had a problem; please try again.",
  requestFailed: "Request failed ({status}).",
  notConnected: "Not connected to the server.",
  noAnswer: "The server did not answer in time.",
  connectionClosed: "The connection was closed.",
  connectionDropped: "The connection dropped.",
  refused: "Refused.",

  not_authenticated: "Your session has ended. Log in again.",
  bad_credentials: "Wrong email or password.",
  rate_limited: "Too many attempts. Wait a moment and try again.",
  csrf_failed: "Your session could not be checked; reload the page and try again.",
  forbidden: "You are not allowed to do this.",
  not_found: "This does not exist, or you cannot see it.",
  internal: "Something went wrong on our side.",
  body_too_large: "This is too large to send.",
  email_taken: "A user with this email already exists.",
  last_owner: "The desk needs at least one active owner.",
  address_taken: "Another inbox already uses this address.",
  label_exists: "A label with this name already exists (label names ignore case).",
  contact_taken: "This address or number already belongs to another customer. If they are the same person, merge them.",
  no_recipient: "This customer has no email address, so a reply cannot reach them. Add an address to the customer, or write a note.",
  chat_ended: "This chat has ended.",
  at_capacity: "You are at your limit of simultaneous chats. End or leave one first, or raise the limit in your preferences.",
  already_joined: "Another agent joined this chat a moment ago. Ask them to invite you.",
  not_invited: "This chat is already answered; join it when a participant invites you.",
  not_participant: "Only the chat's participants can do this. Join the chat first.",
  last_participant: "You are the last participant: end the chat instead of leaving it.",
  message_too_long: "This message is too long.",
  webhook_disabled: "This webhook is switched off: switch it on to send a test.",
  delivery_pending: "This delivery is still being tried: replay it once it is delivered or failed.",
} as const;

export const fr: Words<typeof en> = {
  network: "Impossible de joindre le serveur. Vérifiez votre connexion.",
  server: "Le serveur a rencontré un problème ; réessayez.",
  requestFailed: "La requête a échoué ({status}).",
  notConnected: "Pas de connexion au serveur.",
  noAnswer: "Le serveur n'a pas répondu à temps.",
  connectionClosed: "La connexion a été fermée.",
  connectionDropped: "La connexion a été interrompue.",
  refused: "Refusé.",

  not_authenticated: "Votre session a pris fin. Reconnectez-vous.",
  bad_credentials: "E-mail ou mot de passe incorrect.",
  rate_limited: "Trop de tentatives. Patientez un moment puis réessayez.",
  csrf_failed: "Votre session n'a pas pu être vérifiée ; rechargez la page et réessayez.",
  forbidden: "Vous n'avez pas le droit de faire cela.",
  not_found: "Cet élément n'existe pas, ou vous n'y avez pas accès.",
  internal: "Un problème est survenu de notre côté.",
  body_too_large: "C'est trop volumineux pour être envoyé.",
  email_taken: "Un utilisateur a déjà cette adresse e-mail.",
  last_owner: "Le desk doit garder au moins un propriétaire actif.",
  address_taken: "Une autre boîte de réception utilise déjà cette adresse.",
  label_exists: "Une étiquette porte déjà ce nom (sans tenir compte des majuscules).",
  contact_taken: "Cette adresse ou ce numéro appartient déjà à un autre client. S'il s'agit de la même personne, fusionnez-les.",
  no_recipient: "Ce client n'a pas d'adresse e-mail : une réponse ne peut pas lui parvenir. Ajoutez-lui une adresse, ou écrivez une note.",
  chat_ended: "Ce chat est terminé.",
  at_capacity: "Vous avez atteint votre limite de chats simultanés. Terminez-en ou quittez-en un d'abord, ou relevez la limite dans vos préférences.",
  already_joined: "Un autre agent vient de rejoindre ce chat. Demandez-lui de vous inviter.",
  not_invited: "Ce chat a déjà une réponse ; rejoignez-le quand un participant vous invite.",
  not_participant: "Seuls les participants du chat peuvent faire cela. Rejoignez d'abord le chat.",
  last_participant: "Vous êtes le dernier participant : terminez le chat au lieu de le quitter.",
  message_too_long: "Ce message est trop long.",
  webhook_disabled: "Ce webhook est désactivé : activez-le pour envoyer un test.",
  delivery_pending: "Cet envoi est encore en cours : renvoyez-le une fois remis ou échoué.",
};
