/** The bell: the newest notifications, older pages on demand, the unread count, kept live by the
 * desk socket (`notification.created`, `notification.read`). */
import { defineStore } from "pinia";
import { ref } from "vue";
import type { Envelope } from "../realtime/socket";
import { notificationsApi, type Notification } from "./api";

const PAGE = 20;

export const useNotifications = defineStore("notifications", () => {
  const items = ref<Notification[]>([]);
  const unread = ref(0);
  const nextBefore = ref<number | null>(null);
  const loaded = ref(false);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await notificationsApi.list({ limit: PAGE });
      items.value = page.items;
      unread.value = page.unread;
      nextBefore.value = page.next_before ?? null;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (nextBefore.value === null) return;
    loading.value = true;
    try {
      const page = await notificationsApi.list({ limit: PAGE, before: nextBefore.value });
      const known = new Set(items.value.map((item) => item.id));
      items.value = [...items.value, ...page.items.filter((item) => !known.has(item.id))];
      unread.value = page.unread;
      nextBefore.value = page.next_before ?? null;
    } finally {
      loading.value = false;
    }
  }

  function markLocally(ids: number[] | null): void {
    for (const item of items.value) if (ids === null || ids.includes(item.id)) item.read = true;
  }

  async function markRead(ids: number[] | null): Promise<void> {
    markLocally(ids);
    const answer = await notificationsApi.markRead(ids);
    unread.value = answer.unread;
  }

  function created(e: Envelope): void {
    const data = e.data as { notification: Notification; unread: number };
    if (!items.value.some((item) => item.id === data.notification.id)) {
      items.value = [data.notification, ...items.value];
    }
    unread.value = data.unread;
  }

  function read(e: Envelope): void {
    const data = e.data as { ids: number[]; unread: number };
    markLocally(data.ids.length ? data.ids : null);
    unread.value = data.unread;
  }

  function reset(): void {
    items.value = [];
    unread.value = 0;
    nextBefore.value = null;
    loaded.value = false;
  }

  return { items, unread, nextBefore, loaded, loading, load, loadMore, markRead, created, read, reset };
});
