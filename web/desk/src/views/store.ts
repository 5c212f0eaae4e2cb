/** Saved views with their counts. The counts are fetched again on the same ticket events, and
 * as often at most, as the folder counts (tickets/store.ts). The list is loaded at sign-in and
 * again when a view is opened that it does not hold (saved since, in another tab) or that is no
 * longer there (a shared view an admin deleted): `open`. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { ApiError } from "../api/client";
import { t } from "../i18n";
import { throttle } from "../ui/debounce";
import { viewsApi, type SavedView } from "./api";

// As the folder counts: at most one fetch every LIVE_EVERY ms, however many events arrive.
const LIVE_EVERY = 2000;

export const useViews = defineStore("views", () => {
  const items = ref<SavedView[]>([]);
  const counts = ref<Record<number, number>>({});
  // A count at `most` means "that many or more".
  const most = ref(1000);
  const loaded = ref(false);
  // Views opened by their address and found gone: the list says so rather than a blank title.
  const gone = ref<number[]>([]);

  async function load(): Promise<void> {
    items.value = await viewsApi.list();
    loaded.value = true;
    await loadCounts();
  }

  async function loadCounts(): Promise<void> {
    const answer = await viewsApi.counts();
    most.value = answer.most;
    counts.value = Object.fromEntries(answer.views.map((each) => [each.id, each.count]));
    // Counted a moment ago (for another tab, say): the changes since come with the next count,
    // which `changed` asks for no sooner than the server's moment is over.
    if (answer.cached) changed();
  }

  /** The view at /views/`id`, fresh: the list loaded again when it does not hold it, and the
   * view dropped (and marked gone) when the server has it no more. */
  async function open(id: number): Promise<void> {
    try {
      const fresh = await viewsApi.get(id);
      gone.value = gone.value.filter((each) => each !== id);
      const at = items.value.findIndex((each) => each.id === id);
      if (at >= 0) items.value.splice(at, 1, fresh);
      else await load();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
      if (!gone.value.includes(id)) gone.value.push(id);
      await load();
    }
  }

  const byId = (id: number) => items.value.find((each) => each.id === id);
  const countText = (id: number) => {
    const n = counts.value[id];
    if (n === undefined) return "";
    return n >= most.value ? `${most.value - 1}+` : String(n);
  };
  /** What a screen reader says of the count: what is shown ("999+ tickets"), not more. */
  const countLabel = (id: number) => {
    const text = countText(id);
    return text ? t("views.count", { n: text }) : undefined;
  };

  /** ticket.created / ticket.updated / ticket.entry_added, and a reconnection. */
  const changed = throttle(() => (loaded.value ? loadCounts() : undefined), 200, LIVE_EVERY);

  function reset(): void {
    items.value = [];
    counts.value = {};
    loaded.value = false;
    gone.value = [];
  }

  return { items, counts, most, loaded, gone, load, loadCounts, open, byId, countText, countLabel, changed, reset };
});
