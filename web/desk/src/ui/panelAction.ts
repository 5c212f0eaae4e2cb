/** What a ticket sidebar panel does on a click (link, unlink, start, reply, close...): the panel
 * is busy meanwhile (its buttons disabled), an earlier error goes, the call is made, then the
 * panel reads its list again; a refusal is said in the panel's error line. Used by the panels
 * whose actions are just that (TicketLinks.vue, SideConversations.vue); Checklist and Time have
 * their own (a 409 handled, a confirmation line). */
import { ref } from "vue";
import { messageOf } from "../api/client";

export function usePanelAction(reload: () => Promise<void>) {
  const busy = ref(false);
  // The panel's error line ("" none): its own reads write it too.
  const error = ref("");

  /** True once the call and the read after it went through; false when one was refused. */
  async function act(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = "";
    try {
      await work();
      await reload();
      return true;
    } catch (e) {
      error.value = messageOf(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, act };
}
