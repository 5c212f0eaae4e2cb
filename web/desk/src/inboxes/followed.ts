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
  const lost = await readInboxes();
  const tickets = useTickets();
  await Promise.allSettled(useInboxes().items.map((inbox) => tickets.loadCounts(inbox.id)));
  return lost;
}

/** The inboxes alone, read again, and those listed before that are no longer: after a
 * reconnection, whose catch-up reads the counts itself (tickets/store.ts, `catchUp`). */
export async function readInboxes(): Promise<Pick<Inbox, "id" | "name">[]> {
  const inboxes = useInboxes();
  const before = inboxes.items.map(({ id, name }) => ({ id, name }));
  await inboxes.load();
  return lostInboxes(before, inboxes.items);
}
