import type { ChatEvent } from "../api/types";

interface Person {
  name: string;
}

/** The system line of a non-message chat event, in words. */
export function systemLine(event: ChatEvent): string {
  const d = event.data as {
    user?: Person;
    by?: Person;
    transferred_to?: Person;
    kind?: string;
    labels?: string[];
    reason?: string;
  };
  switch (event.type) {
    case "chat.started":
      return "Chat started";
    case "chat.joined":
      return `${d.user?.name} joined the chat`;
    case "chat.left":
      return d.transferred_to ? `${d.user?.name} transferred the chat to ${d.transferred_to.name}` : `${d.user?.name} left the chat`;
    case "chat.invited":
      return d.kind === "transfer" ? `${d.by?.name} asked ${d.user?.name} to take over` : `${d.by?.name} invited ${d.user?.name}`;
    case "chat.invitation_cancelled":
      return `The invitation to ${d.user?.name} was withdrawn`;
    case "chat.labelled":
      return `Labels: ${(d.labels ?? []).join(", ") || "none"}`;
    case "chat.ended":
      return d.reason === "unanswered" ? "The chat ended unanswered" : `${d.by?.name ?? "An agent"} ended the chat`;
    default:
      return event.type;
  }
}
