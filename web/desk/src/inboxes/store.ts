import { defineStore } from "pinia";
import { ref } from "vue";
import type { Inbox } from "../api/types";
import type { InboxSummary } from "../realtime/events.gen";
import { inboxesApi } from "./api";

export const useInboxes = defineStore("inboxes", () => {
  const items = ref<Inbox[]>([]);
  const loaded = ref(false);

  async function load(): Promise<void> {
    items.value = (await inboxesApi.list()) as Inbox[];
    loaded.value = true;
  }

  const byId = (id: number | null | undefined) => items.value.find((inbox) => inbox.id === id);

  // The last reading of each inbox asked for (`updated`): an earlier, slower answer is dropped.
  const asked = new Map<number, number>();

  /**
   * `inbox.updated`: an admin changed the inbox's settings, and what every view shows of it (its
   * name, the signature under the reply box) follows at once. The event carries the inbox as an
   * agent reads it. An admin's copy also has the identity secret, which the event never carries:
   * the inbox is read again, since the change may have set a new secret too (kept, the old one
   * would be shown and copied).
   */
  function updated(inbox: InboxSummary): void {
    const at = items.value.findIndex((each) => each.id === inbox.id);
    if (at < 0) return;
    items.value[at] = { ...items.value[at], ...inbox };
    if (!("identity_secret" in items.value[at])) return;
    const turn = (asked.get(inbox.id) ?? 0) + 1;
    asked.set(inbox.id, turn);
    void inboxesApi
      .get(inbox.id)
      .then((fresh) => {
        const now = items.value.findIndex((each) => each.id === inbox.id);
        if (asked.get(inbox.id) === turn && now >= 0) items.value[now] = fresh as Inbox;
      })
      .catch(() => undefined); // the event's fields are in; the next load brings the secret
  }

  return { items, loaded, load, byId, updated };
});
