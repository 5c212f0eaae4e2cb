import { defineStore } from "pinia";
import { ref } from "vue";
import { throttle } from "../ui/debounce";
import { statusesApi, type StatusState, type TicketStatus } from "./api";

/** The states a custom status may belong to, in the order the desk lists them. */
export const STATUS_STATES: StatusState[] = ["open", "hold", "closed"];

/** The desk's custom ticket statuses (docs/desk.md, "Ticket statuses"), archived ones too: a
 * ticket that has one still shows it. Read once, by the first ticket page, filter bar or editor
 * that offers them (`ensure`), and again after Settings changes them, on
 * `ticket_status.changed` (an admin's change anywhere: once for a burst, after a wait drawn per
 * tab, as every desk hears it at once) and when the connection comes back after a drop: not
 * on every page that opens, which cost a request each. */
export const useStatuses = defineStore("statuses", () => {
  const items = ref<TicketStatus[]>([]);
  let loading: Promise<void> | null = null;
  // Read at least once (a page that shows them, or Settings): what an event makes read again.
  let read = false;
  // Reads may overlap (a page opening, an event): the answer of the last one asked is kept.
  let asked = 0;
  async function load(): Promise<void> {
    read = true;
    const mine = ++asked;
    const listed = await statusesApi.list();
    if (mine === asked) items.value = listed;
  }
  /** Read again, quietly (an event, a reconnection): one an admin added since shows. */
  function refresh(): void {
    loading = load().catch(() => {
      loading = null;
    });
  }
  /** `ticket_status.changed`: read again unless never read (a page that offers them reads
   * them when it opens). */
  const heard = throttle(() => resumed() ?? undefined, 200, 2000, 1500);
  /** The connection back after a drop (events are not replayed): read again, if ever read. */
  function resumed(): Promise<void> | null {
    if (!read) return null;
    refresh();
    return loading;
  }
  function ensure(): Promise<void> {
    loading ??= load().catch(() => {
      loading = null;
    });
    return loading;
  }
  /** What may be chosen under a state, in order; `keep`: a status shown though archived. */
  function offered(state: StatusState, keep?: number | null): TicketStatus[] {
    return items.value.filter((s) => s.state === state && (!s.archived || s.id === keep));
  }
  const byId = (id: number) => items.value.find((s) => s.id === id);
  return { items, load, ensure, heard, resumed, offered, byId };
});
