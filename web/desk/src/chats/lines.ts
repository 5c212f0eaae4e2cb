import type { ChatEvent } from "../api/types";
import { locale, t } from "../i18n";

interface Person {
  name: string;
}

/**
 * The events only agents see: a hand-off between agents is theirs, and the customer's messenger
 * and transcript never show it (docs/chat.md, "What the customer sees"). The window marks them.
 */
const AGENTS_ONLY = new Set(["chat.invited", "chat.invitation_cancelled", "chat.labelled"]);

export function agentsOnly(event: ChatEvent): boolean {
  return AGENTS_ONLY.has(event.type);
}

/**
 * The system line of a non-message chat event, in words. A line the customer sees too has the
 * customer's words ("Bob Noyce joined the chat", "Ada Lovelace left the chat", a transfer
 * included), the same as the ticket's transcript and the emailed one (chats/closing.py).
 */
export function systemLine(event: ChatEvent): string {
  const d = event.data as {
    user?: Person;
    by?: Person | null;
    kind?: string;
    labels?: string[];
    reason?: string;
  };
  const name = d.user?.name ?? "";
  switch (event.type) {
    case "chat.started":
      return t("chats.lineChatStarted");
    case "chat.joined":
      return t("chats.lineJoined", { name });
    case "chat.left":
      return t("chats.lineLeft", { name });
    case "chat.invited":
      return t(d.kind === "transfer" ? "chats.lineAskedToTakeOver" : "chats.lineInvited", { by: d.by?.name ?? "", name });
    case "chat.invitation_cancelled":
      return t("chats.lineInvitationWithdrawn", { name });
    case "chat.ended":
      if (d.reason === "unanswered") return t("chats.lineEndedUnanswered");
      if (d.reason === "visitor") return t("chats.lineEndedByVisitor");
      return d.by ? t("chats.lineEndedBy", { name: d.by.name }) : t("chats.lineEndedByAgent");
    default:
      return event.type;
  }
}

/** "Ada", "Ada and Bob", "Ada, Bob and Grace" in the agent's language. */
export function nameList(names: string[]): string {
  return new Intl.ListFormat(locale.value, { style: "long", type: "conjunction" }).format(names);
}

/** "AL" for Ada Lovelace, "B" for Bob: the avatar of an agent. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? "?";
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "";
  return (first + last).toUpperCase();
}

/**
 * A visitor's page address, short enough for the header: host and path (no scheme, query or
 * fragment), with an ellipsis in the middle when it is still long, so both the site and the last
 * part of the path stay readable. Something that is not a web address is shortened as it is.
 */
export function shortAddress(url: string, max = 48): string {
  let text = url;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      const path = parsed.pathname === "/" ? "" : parsed.pathname;
      text = `${parsed.host}${decodeSafely(path)}`;
    }
  } catch {
    // not a URL: shown as typed, shortened
  }
  if (text.length <= max) return text;
  const tail = Math.floor((max - 1) * 0.4);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

function decodeSafely(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
