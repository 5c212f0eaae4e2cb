// Every word the visitor reads. English is the reference; a missing key falls back to it.

const en = {
  open: "Open chat",
  close: "Close chat",
  dialog: "Chat with {inbox}",
  unread: "{n} unread",
  mute: "Mute sounds",
  unmute: "Turn sounds on",
  online: "We're online",
  offline: "Leave us a message",
  greeting: "Hi! Ask us anything — a real person will answer.",
  greetingOffline: "Nobody is online right now. Leave a message and we'll reply by email.",
  name: "Your name",
  email: "Email",
  optional: "optional",
  emailChatHint: "So we can follow up by email.",
  emailContactHint: "We'll reply to this address.",
  message: "Message",
  startChat: "Start chat",
  sendMessage: "Send message",
  sending: "Sending…",
  send: "Send",
  typeMessage: "Write a message…",
  you: "You",
  agent: "Support",
  notSent: "Not sent yet — retrying…",
  failed: "Not sent: {reason}",
  joined: "{name} joined the chat",
  left: "{name} left the chat",
  typing: "{name} is typing…",
  queue: "You're number {n} in line.",
  queueNext: "You're next in line.",
  wait: "Usual wait: {t}.",
  waiting: "Waiting for someone to join…",
  shortly: "Someone will be with you shortly",
  chattingWith: "Chatting with {names}",
  minutes: "about {n} minutes",
  minute: "about a minute",
  seconds: "under a minute",
  ended: "This chat has ended.",
  endedUnanswered: "Sorry, nobody could answer in time. We'll reply by email.",
  transcript: "A transcript was emailed to you.",
  newChat: "Start a new chat",
  thanks: "Thanks, we got your message.",
  reference: "Your reference number is #{n}. We'll reply by email.",
  anotherMessage: "Send another message",
  offlineError: "Can't reach the server. Check your connection — we'll keep trying.",
  rateLimited: "Too many messages at once. Try again in {n} seconds.",
  reconnecting: "Reconnecting…",
  misconfigured: "This chat is not available on this website.",
  nobodyOnline: "Everyone just went offline. Leave a message and we'll reply by email.",
  somethingWrong: "Something went wrong on our side. Please try again in a moment.",
  nameRequired: "Please tell us your name.",
  emailRequired: "Please give your email address, so we can reply.",
  messageRequired: "Please write your message.",
  tooLong: "That's too long: at most {n} characters.",
  tooLongNoLimit: "That's too long. Please make it shorter.",
  emailInvalid: "That doesn't look like an email address. Check it for typos.",
  emailUnroutable: "That email address can't receive mail. Check it for typos.",
  emailNotSignedIn: "Use the email address you're signed in with on this website.",
  emailLimit:
    "Too many chats with an email address came from your network. Leave it out, or try again in {n} min.",
  fieldInvalid: "Please check this.",
  loading: "Loading…",
  chatLog: "Conversation",
  poweredBy: "frontdesk",
} as const;

export type Key = keyof typeof en;
type Dictionary = Record<Key, string>;

const fr: Dictionary = {
  open: "Ouvrir le chat",
  close: "Fermer le chat",
  dialog: "Discuter avec {inbox}",
  unread: "{n} non lu(s)",
  mute: "Couper le son",
  unmute: "Activer le son",
  online: "Nous sommes en ligne",
  offline: "Laissez-nous un message",
  greeting: "Bonjour ! Posez-nous vos questions, une vraie personne vous répondra.",
  greetingOffline:
    "Personne n'est en ligne pour le moment. Laissez un message, nous répondrons par e-mail.",
  name: "Votre nom",
  email: "E-mail",
  optional: "facultatif",
  emailChatHint: "Pour pouvoir vous répondre par e-mail.",
  emailContactHint: "Nous répondrons à cette adresse.",
  message: "Message",
  startChat: "Démarrer le chat",
  sendMessage: "Envoyer le message",
  sending: "Envoi…",
  send: "Envoyer",
  typeMessage: "Écrivez un message…",
  you: "Vous",
  agent: "Support",
  notSent: "Pas encore envoyé — nouvel essai…",
  failed: "Non envoyé : {reason}",
  joined: "{name} a rejoint la conversation",
  left: "{name} a quitté la conversation",
  typing: "{name} écrit…",
  queue: "Vous êtes numéro {n} dans la file.",
  queueNext: "Vous êtes le prochain.",
  wait: "Attente habituelle : {t}.",
  waiting: "En attente d'un conseiller…",
  shortly: "Un conseiller va vous répondre",
  chattingWith: "En conversation avec {names}",
  minutes: "environ {n} minutes",
  minute: "environ une minute",
  seconds: "moins d'une minute",
  ended: "La conversation est terminée.",
  endedUnanswered:
    "Désolés, personne n'a pu répondre à temps. Nous vous répondrons par e-mail.",
  transcript: "La transcription vous a été envoyée par e-mail.",
  newChat: "Nouvelle conversation",
  thanks: "Merci, nous avons bien reçu votre message.",
  reference: "Votre numéro de référence est le #{n}. Nous répondrons par e-mail.",
  anotherMessage: "Envoyer un autre message",
  offlineError:
    "Impossible de joindre le serveur. Vérifiez votre connexion, nous réessayons.",
  rateLimited: "Trop de messages d'un coup. Réessayez dans {n} secondes.",
  reconnecting: "Reconnexion…",
  misconfigured: "Ce chat n'est pas disponible sur ce site.",
  nobodyOnline:
    "Tout le monde vient de se déconnecter. Laissez un message, nous répondrons par e-mail.",
  somethingWrong: "Un problème est survenu de notre côté. Réessayez dans un instant.",
  nameRequired: "Indiquez votre nom.",
  emailRequired: "Indiquez votre adresse e-mail pour que nous puissions vous répondre.",
  messageRequired: "Écrivez votre message.",
  tooLong: "C'est trop long : {n} caractères au maximum.",
  tooLongNoLimit: "C'est trop long. Raccourcissez-le.",
  emailInvalid:
    "Cela ne ressemble pas à une adresse e-mail. Vérifiez qu'il n'y a pas de faute de frappe.",
  emailUnroutable:
    "Cette adresse e-mail ne peut pas recevoir de messages. Vérifiez qu'il n'y a pas de faute de frappe.",
  emailNotSignedIn: "Utilisez l'adresse e-mail avec laquelle vous êtes connecté sur ce site.",
  emailLimit:
    "Trop de conversations avec une adresse e-mail depuis votre réseau. Laissez-la vide, ou réessayez dans {n} min.",
  fieldInvalid: "Vérifiez ce champ.",
  loading: "Chargement…",
  chatLog: "Conversation",
  poweredBy: "frontdesk",
};

const dictionaries: Record<string, Dictionary> = { en, fr };

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

/** "fr-CA" → "fr"; anything we have no words for → "en". */
export function pickLocale(wanted: string | undefined): string {
  const base = (wanted || navigator.language || "en").toLowerCase().split("-")[0] ?? "en";
  return base in dictionaries ? base : "en";
}

export function translator(locale: string): Translate {
  const words = dictionaries[locale] ?? en;
  return (key, vars) =>
    (words[key] ?? en[key]).replace(/\{(\w+)\}/g, (_, name: string) =>
      String(vars?.[name] ?? ""),
    );
}
