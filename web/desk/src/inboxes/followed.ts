import { useTickets } from "../tickets/store";
import { useInboxes } from "./store";

/**
 * Reads again the inboxes the menu lists and their folders' counts: on signing in, and whenever
 * which inboxes I follow may have changed while the desk is open (`inbox.membership_changed`:
 * added to an inbox or taken out of one, a new inbox, which every admin follows, or my role).
 */
export async function readFollowedInboxes(): Promise<void> {
  const inboxes = useInboxes();
  const tickets = useTickets();
  await inboxes.load();
  await Promise.allSettled(inboxes.items.map((inbox) => tickets.loadCounts(inbox.id)));
}
