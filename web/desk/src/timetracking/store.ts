/**
 * Time tracking in the desk: the agent's running timer (read from the server, so another tab or
 * device shows the same one; `timer.changed` says when to read it again) with a clock that ticks
 * while it runs, and the tickets' totals heard live (`ticket.time_changed`, to every desk of the
 * ticket's inbox). The elapsed time counts from the server's answer, not the browser's clock.
 * A refused stop or start (the timer gone, its ticket deleted or no longer seen) reads the timer
 * again, so that no indicator keeps ticking for a timer that is no more.
 */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { Envelope } from "../realtime/socket";
import type { TicketTimeChanged } from "../realtime/events.gen";
import { timeApi, type Timer } from "./api";

export const useTimeTracking = defineStore("timeTracking", () => {
  const timer = ref<Timer | null>(null);
  // Date.now() when the timer would have started by this browser's clock.
  const startedLocally = ref(0);
  const now = ref(Date.now());
  let ticking: ReturnType<typeof setInterval> | undefined;
  // Each ticket's total as last heard, and a count of the changes heard (the sidebar re-reads).
  const totals = ref<Record<number, number>>({});
  const changes = ref<Record<number, number>>({});

  function tick(running: boolean): void {
    if (running && ticking === undefined) ticking = setInterval(() => (now.value = Date.now()), 1000);
    if (!running && ticking !== undefined) {
      clearInterval(ticking);
      ticking = undefined;
    }
  }

  function set(running: Timer | null): void {
    timer.value = running;
    now.value = Date.now();
    startedLocally.value = running ? now.value - running.elapsed_seconds * 1000 : 0;
    tick(!!running);
  }

  async function load(): Promise<void> {
    set((await timeApi.timer()).timer ?? null);
  }

  const elapsed = computed(() => (timer.value ? Math.max(0, (now.value - startedLocally.value) / 1000) : 0));

  /** What the server says now, after it refused: the timer may have gone meanwhile. */
  async function reread<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      await load().catch(() => undefined);
      throw e;
    }
  }

  async function start(ticketId: number) {
    const started = await reread(() => timeApi.start(ticketId));
    set(started.timer);
    if (started.stopped) heardTotal(started.stopped.entry.ticket_id, started.stopped.time_spent_minutes);
    return started;
  }

  async function stop(body: Parameters<typeof timeApi.stop>[0] = {}) {
    const stopped = await reread(() => timeApi.stop(body));
    set(null);
    heardTotal(stopped.entry.ticket_id, stopped.time_spent_minutes);
    return stopped;
  }

  async function discard(): Promise<void> {
    await timeApi.discard();
    set(null);
  }

  /** A total read with the ticket's entries: nothing else to read again. */
  function setTotal(ticketId: number, total: number): void {
    totals.value = { ...totals.value, [ticketId]: total };
  }

  /** A total that changed elsewhere: the ticket's entries are read again where shown. */
  function heardTotal(ticketId: number, total: number): void {
    setTotal(ticketId, total);
    changes.value = { ...changes.value, [ticketId]: (changes.value[ticketId] ?? 0) + 1 };
  }

  function timeChanged(envelope: Envelope): void {
    const data = envelope.data as TicketTimeChanged;
    heardTotal(data.ticket_id, data.time_spent_minutes);
  }

  function timerChanged(): void {
    void load().catch(() => undefined);
  }

  /** The socket is back after a drop: what was missed is read again (each shown ticket's
   * entries, as on an event). */
  function resumed(): void {
    timerChanged();
    for (const id of Object.keys(totals.value)) heardTotal(Number(id), totals.value[Number(id)] ?? 0);
  }

  return { timer, elapsed, totals, changes, load, start, stop, discard, setTotal, heardTotal, timeChanged, timerChanged, resumed };
});
