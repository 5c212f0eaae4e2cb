// Every word the visitor reads. English is the reference; a missing key falls back to it. The
// other languages' words are scripts of their own (i18n-fr.ts → messenger-fr.js), loaded only
// when spoken (docs/messenger.md, "Languages"): a page reads one language, not all of them.

export const en = {
  attach: "Attach a file or image",
  attachments: "Files",
  uploading: "Uploading…",
  openImage: "Open {name} full size",
  download: "Download {name}",
  fileTooLarge: "{name} is too large.",
  fileDisguised: "{name} is not what its name says.",
  fileTypeRefused: "programs and scripts can't be sent in a chat.",
  imageUnreadable: "{name} could not be read as an image. Try another format.",
  fileEmpty: "{name} is empty.",
  tooManyUploads: "{name} was not sent: too many files wait in this chat. Try again tomorrow.",
  filesGone: "{name} was not uploaded before the page was reloaded. Attach it again.",
  uploadStopped: "{name} kept failing to upload.",
  retry: "Retry",
  discard: "Discard",
  retryFiles: "Retry {name}",
  discardFiles: "Discard {name}",
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
  headerWaitingLong: "Waiting for the next agent",
  chattingWith: "Chatting with {names}",
  minutes: "about {n} minutes",
  minute: "about a minute",
  seconds: "under a minute",
  ended: "This chat has ended.",
  endedUnanswered: "Sorry, nobody could answer in time. We'll reply by email.",
  endedAsk: "Sorry, nobody could answer in time.",
  endedAskEmail: "Leave your email and we'll answer your message there.",
  waitingLong: "This is taking longer than usual.",
  waitingEmailAsk: "Leave your email: if nobody can join soon, we'll answer your message there.",
  waitingEmailKept: "If nobody can join soon, we'll answer by email.",
  emailMe: "Email me",
  transcript: "A transcript was emailed to you.",
  unsentKept:
    "What you wrote last didn't reach us before the chat ended. Start a new chat to send it: we kept it for you.",
  newChat: "Start a new chat",
  endChat: "End chat",
  endChatAsk: "End this chat?",
  keepChatting: "Keep chatting",
  thanks: "Thanks, we got your message.",
  reference: "Your reference number is #{n}. We'll reply by email.",
  anotherMessage: "Send another message",
  offlineError: "Can't reach the server. Check your connection — we'll keep trying.",
  offlineForm: "Can't reach the server. Check your connection, then send again: what you wrote is kept.",
  rateLimited: "Too many messages at once. Try again in {n} seconds.",
  reconnecting: "Reconnecting…",
  misconfigured: "This chat is not available on this website.",
  blocked: "You can't start a conversation right now.",
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
  // Business hours (hours.ts).
  headerClosed: "We're closed",
  headerBusy: "Everyone is busy",
  closedTitle: "We're closed right now",
  awayTitle: "Nobody is available right now",
  busyTitle: "All our agents are busy",
  busyQueue: "Start a chat and you'll be number {n} in line.",
  busyNext: "Start a chat and you'll be next in line.",
  backAt: "We'll be back {when} (your time).",
  leaveEmail: "Leave your email and we'll reply.",
  replyFrom: "We're closed now: we'll answer from {when} (your time).",
  todayAt: "today at {time}",
  tomorrowAt: "tomorrow at {time}",
  dayAt: "{day} at {time}",
  rateQuestion: "How did we do?",
  rateGood: "Good",
  rateOkay: "Okay",
  rateBad: "Bad",
  rateComment: "Anything to add?",
  rateCommentHint: "Optional",
  rateSend: "Send comment",
  rateThanks: "Thanks for your feedback! You can change it for a day.",
  rateSaved: "Comment saved. Thank you!",
  rateFinal: "Thanks for your feedback.",
  rateFailed: "Your rating could not be saved. Please try again.",
  helpSearch: "Search our help articles",
  helpNone: "No article matches. Try other words, or ask us below.",
  helpHelpful: "Was this helpful?",
  helpThanks: "Thanks for telling us!",
  helpOpenFailed: "This article could not be opened. Please try again.",
  helpStill: "Still need help?",
  helpNotTranslated: "This article is not available in English yet.",
  helpChat: "Chat with us",
  helpWrite: "Send us a message",
  back: "Back",
  yes: "Yes",
  no: "No",
} as const;

export type Key = keyof typeof en;
export type Dictionary = Record<Key, string>;

/** Every language the messenger speaks, chosen among before any of their words are loaded. */
export const LANGUAGES = ["en", "fr"];

/** The words at hand: English, and each language whose script came (addWords). */
const dictionaries: Record<string, Dictionary> = { en };

export function addWords(locale: string, words: Dictionary): void {
  dictionaries[locale] = words;
}

/** The language whose words the messenger shows: the one chosen once its words are here,
 * English until then (or for good, when they could not be loaded). */
export function spoken(wanted: string | undefined): string {
  const locale = pickLocale(wanted);
  return dictionaries[locale] ? locale : "en";
}

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

/** The language the messenger speaks (docs/messenger.md, "Language"): the first of the snippet's
 * setting (`data-locale` or `config({locale})`), the page's `<html lang>` and the browser's language
 * that we have words for ("fr-CA" → "fr"); English when none is. */
export function pickLocale(
  wanted: string | undefined,
  page: string | undefined = typeof document === "undefined" ? undefined : document.documentElement.lang,
  browser: string | undefined = typeof navigator === "undefined" ? undefined : navigator.language,
): string {
  for (const tag of [wanted, page, browser]) {
    const base = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0] ?? "";
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

/** The browser's IANA time zone ("Europe/Paris"), sent when a chat starts; none if it can't say. */
export function timeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

export function translator(locale: string): Translate {
  const words = dictionaries[locale] ?? en;
  return (key, vars) =>
    (words[key] ?? en[key]).replace(/\{(\w+)\}/g, (_, name: string) =>
      String(vars?.[name] ?? ""),
    );
}
