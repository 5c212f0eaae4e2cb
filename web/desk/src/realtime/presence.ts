/** Collision detection, for any kind of thing agents open (a ticket, a knowledge base article):
 * the store of who has each one open and who writes on it (`ticket.viewers`, `article.viewers`),
 * and this tab's own part, told to the server with a `…_presence` frame (docs/realtime.md).
 * Lists can arrive out of order (an answer to this tab's frame after another agent's change), so
 * each carries its version and an older one than the list held is ignored. */
import { defineStore } from "pinia";
import { computed, onBeforeUnmount, reactive, watch, type ComputedRef, type Ref } from "vue";
import { useAuth } from "../auth/store";
import { socket } from "./connection";
import type { Envelope } from "./socket";

export interface Viewer<C extends string = string> {
  user: { id: number; name: string };
  composing: C | null;
}

export interface Listed<C extends string = string> {
  viewers: Viewer<C>[];
  version: number;
}

/** A store of lists, by the id `idOf` reads from a list (its `ticket_id`, its `article_id`). */
export function definePresence<C extends string, L extends Listed<C>>(name: string, idOf: (list: L) => number) {
  return defineStore(name, () => {
    const viewers = reactive<Record<number, Viewer<C>[]>>({});
    const versions: Record<number, number> = {};

    /** A whole list, from an event or the answer to this tab's frame: the highest version heard
     * is the truth (an equal one is the same change, or a read after it). */
    function set(list: L): void {
      const id = idOf(list);
      if (list.version < (versions[id] ?? -1)) return;
      versions[id] = list.version;
      viewers[id] = list.viewers;
    }

    function viewersEvent(envelope: Envelope): void {
      set(envelope.data as L);
    }

    function forget(id: number): void {
      delete viewers[id];
      delete versions[id];
    }

    return { viewers, viewersEvent, set, forget };
  });
}

interface PresenceStore<C extends string, L> {
  viewers: Record<number, Viewer<C>[]>;
  set(list: L): void;
  forget(id: number): void;
}

/** This tab shows thing `id` and says so, with what its agent writes on it (`composing`), when the
 * socket opens, after each reconnect (a new socket has no rows) and at each change; and says it
 * left when the page goes. `frame` makes the frame: `{type: "ticket_presence", ticket_id, …}`.
 * The other agents on it, for the page to show. */
export function useTellPresence<C extends string, L>(
  store: PresenceStore<C, L>,
  id: number,
  composing: Ref<C | null>,
  frame: (fields: { viewing: boolean; composing?: C | null }) => Record<string, unknown>,
): { others: ComputedRef<Viewer<C>[]> } {
  const auth = useAuth();
  let told = "";
  let left = false;

  async function tell(force = false): Promise<void> {
    if (left) return;
    const state = JSON.stringify([true, composing.value]);
    if (!force && state === told) return;
    told = state;
    try {
      const answer = await socket.request<L>(frame({ viewing: true, composing: composing.value }));
      if (!left) store.set(answer);
    } catch {
      told = ""; // told again on the next change or reconnect
    }
  }

  watch(
    () => socket.status.value,
    (status) => status === "open" && void tell(true),
    { immediate: true },
  );
  watch(composing, () => void tell());
  onBeforeUnmount(() => {
    left = true;
    socket.send(frame({ viewing: false }));
    store.forget(id);
  });

  const others = computed(() => (store.viewers[id] ?? []).filter((v) => v.user.id !== auth.me?.id));
  return { others };
}
