import { defineStore } from "pinia";
import { ref } from "vue";
import { statusesApi, type StatusState, type TicketStatus } from "./api";

/** The states a custom status may belong to, in the order the desk lists them. */
export const STATUS_STATES: StatusState[] = ["open", "hold", "closed"];

/** The desk's custom ticket statuses (docs/desk.md, "Ticket statuses"), archived ones too: a
 * ticket that has one still shows it. Read again each time a ticket page, the filter bar or an
 * editor that offers them opens (a short list), and after Settings changes them. */
export const useStatuses = defineStore("statuses", () => {
  const items = ref<TicketStatus[]>([]);
  let loading: Promise<void> | null = null;
  async function load(): Promise<void> {
    items.value = await statusesApi.list();
  }
  /** Read again, quietly (a page that shows them opens): one an admin added since shows. */
  function refresh(): void {
    loading = load().catch(() => {
      loading = null;
    });
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
  return { items, load, ensure, refresh, offered, byId };
});
