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
