/** Saved views with their counts. The counts are fetched again on the same ticket events, and
 * as often at most, as the folder counts (tickets/store.ts). The list is loaded at sign-in, again
 * on `view.changed` (a view created, edited, moved or deleted in another tab or by an admin:
 * `heard`) and after the socket was away (`resumed`), and when a view is opened that it does not
 * hold or that is no longer there: `open`. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { ApiError } from "../api/client";
import { t } from "../i18n";
import type { ViewChanged } from "../realtime/events.gen";
import type { Envelope } from "../realtime/socket";
import { throttle } from "../ui/debounce";
import { viewsApi, type SavedView } from "./api";

// As the folder counts: at most one fetch every LIVE_EVERY ms, however many events arrive.
const LIVE_EVERY = 2000;
// Up to this much longer a wait before the list is read again on `view.changed`: spreads the
// reads of every open desk over a second and a half.
const REFRESH_JITTER = 1500;

export const useViews = defineStore("views", () => {
  const items = ref<SavedView[]>([]);
  const counts = ref<Record<number, number>>({});
  // A count at `most` means "that many or more".
  const most = ref(1000);
  const loaded = ref(false);
  // Views opened by their address and found gone: the list says so rather than a blank title.
  const gone = ref<number[]>([]);
  // Who deleted a view gone while the desk was open (`view.changed`): the notice names them.
  const goneBy = ref<Record<number, string>>({});

  // Views deleted since sign-in (`view.changed` "deleted"): a list read before the deletion,
  // arriving after it, does not bring them back (ids are never reused).
  const deleted = new Set<number>();

  // Loads overlap (a view saved here while an event's load runs): only the last one asked is
  // kept, and one superseded changes nothing.
  let loads = 0;
  let running = 0;
  // `view.changed` heard while the first load ran: what it read may be from before the change.
  let heardEarly = false;
  async function load(counting = true): Promise<void> {
    const asked = ++loads;
    running++;
    let list: SavedView[];
    try {
      list = (await viewsApi.list()).filter((each) => !deleted.has(each.id));
    } finally {
      running--;
    }
    if (asked !== loads) return;
    // A view held until now and no longer listed was deleted meanwhile (heard of or not: the
    // socket may have been away): a list open on it says so rather than going blank.
    for (const each of items.value) if (!list.some((one) => one.id === each.id)) markGone(each.id);
    items.value = list;
    loaded.value = true;
    if (heardEarly) {
      heardEarly = false;
      reload(true);
    }
    if (counting) await loadCounts();
  }

  function markGone(id: number): void {
    if (!gone.value.includes(id)) gone.value.push(id);
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

  // `view.changed` and a reconnection: the list read again, once for a burst of events, after
  // a wait drawn per tab (a shared view's change reaches every agent's tabs at the same moment,
  // and each would otherwise ask at once), and at most every LIVE_EVERY ms. The counts too,
  // unless all that changed is the order.
  let countsToo = false;
  const refresh = throttle(
    () => {
      if (!loaded.value) return;
      const counting = countsToo;
      countsToo = false;
      return load(counting);
    },
    200,
    LIVE_EVERY,
    REFRESH_JITTER,
  );
  function reload(counting: boolean): void {
    countsToo ||= counting;
    refresh();
  }

  /** `view.changed`: the list read again (a view's `missing` depends on who looks, so the event
   * does not carry the view). A view deleted leaves the list at once and is marked gone, with
   * who deleted it, so that a list open on it says so instead of going blank; only the event
   * says a view is deleted (or a completed load that no longer has it: `load`). Heard before the
   * first load has finished, the list is read again after it. Changes made in this tab come back
   * too: the reload costs one read. */
  function heard(e: Envelope): void {
    const data = e.data as ViewChanged;
    if (data.change === "deleted") {
      deleted.add(data.view_id);
      markGone(data.view_id);
      goneBy.value[data.view_id] = data.by.name;
      items.value = items.value.filter((each) => each.id !== data.view_id);
      return;
    }
    const counting = data.change !== "moved";
    if (loaded.value) reload(counting);
    else if (running) heardEarly = true;
  }

  /** The socket is back after a drop: `view.changed` is not replayed, so the list is read
   * again, as on an event. */
  function resumed(): void {
    if (loaded.value) reload(true);
  }

  /** Moves a view one place up or down among those of its kind (the shared ones, or one's own;
   * the list shows the shared first): the server renumbers them in one go (POST
   * /views/{id}/move) and answers the list as it is now. */
  async function move(id: number, by: -1 | 1): Promise<void> {
    const list = await viewsApi.move(id, by);
    // Newer than any load still running.
    loads++;
    items.value = list.filter((each) => !deleted.has(each.id));
  }

  /** Whether `view` has the Move up / Move down menu: a view the agent may write (their own; a
   * shared one for owners and admins) with another of its kind to move past. */
  const movable = (view: SavedView, admin: boolean) =>
    (!view.shared || admin) && items.value.some((each) => each.shared === view.shared && each.id !== view.id);

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
    loads++;
    items.value = [];
    counts.value = {};
    loaded.value = false;
    gone.value = [];
    goneBy.value = {};
    deleted.clear();
    heardEarly = false;
  }

  return { items, counts, most, loaded, gone, goneBy, load, heard, resumed, move, movable, loadCounts, open, byId, countText, countLabel, changed, reset };
});
