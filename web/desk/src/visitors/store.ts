import { defineStore } from "pinia";
import { ref } from "vue";
import { throttle } from "../ui/debounce";
import { visitorsApi, type LiveVisitor } from "./api";

/** Who is on the inboxes' sites now (docs/desk.md, "Visitors"). Read when the Visitors page opens
 * and, while it is open (`watching`), again on `visitors.changed` (the server sends at most one
 * per inbox every 5 s; this tab reads at most once every 2 s, after a wait drawn per tab so that
 * every desk of the inbox does not ask at the same instant) and when the connection comes back.
 * Closed, the page costs nothing: events are ignored. */
export const useVisitors = defineStore("visitors", () => {
  const items = ref<LiveVisitor[]>([]);
  const loaded = ref(false);
  let watching = 0;
  let asked = 0;
  async function load(): Promise<void> {
    const mine = ++asked;
    const listed = await visitorsApi.list();
    if (mine !== asked) return;
    items.value = listed;
    loaded.value = true;
  }
  const heard = throttle(() => (watching ? load() : undefined), 150, 2000, 500);
  function watch(): () => void {
    watching += 1;
    void load().catch(() => undefined);
    return () => (watching -= 1);
  }
  function resumed(): void {
    if (watching) void load().catch(() => undefined);
  }
  return { items, loaded, load, heard, watch, resumed };
});
