import type { Inbox } from "../api/types";
import { useTickets } from "../tickets/store";
import { lostInboxes } from "./lost";
import { useInboxes } from "./store";

/**
 * Reads again the inboxes the menu lists and their folders' counts: on signing in, and whenever
 * which inboxes I follow may have changed while the desk is open (`inbox.membership_changed`:
 * added to an inbox or taken out of one, a new inbox, which every admin follows, or my role).
 * Answers the inboxes listed before that are no longer (inboxes/lost.ts leaves their pages).
 */
export async function readFollowedInboxes(): Promise<Pick<Inbox, "id" | "name">[]> {
  const inboxes = useInboxes();
  const tickets = useTickets();
  const before = inboxes.items.map(({ id, name }) => ({ id, name }));
  await inboxes.load();
  await Promise.allSettled(inboxes.items.map((inbox) => tickets.loadCounts(inbox.id)));
  return lostInboxes(before, inboxes.items);
}
