/** How an incoming (red) chat gets attention: a ring (WebAudio), a desktop notification while
 * the desk is in the background, the count in the page title; the ring repeats every 10 s for as
 * long as the chat stays red. */
import { ref, watch } from "vue";
import type { Router } from "vue-router";
import type { BarItem } from "../api/types";
import { useAuth } from "../auth/store";
import { t } from "../i18n";
import { incomingCount } from "../ui/title";
import { useChats } from "./store";

const REPEAT_MS = 10_000;

/** True until the browser lets us play sound (it wants a click on the page first). */
export const soundBlocked = ref(false);
let audio: AudioContext | null = null;

function context(): AudioContext | null {
  if (!audio) {
    const Ctor = window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return null;
    audio = new Ctor();
    audio.onstatechange = () => (soundBlocked.value = audio?.state !== "running");
  }
  soundBlocked.value = audio.state !== "running";
  return audio;
}

export async function enableSound(): Promise<void> {
  const ctx = context();
  if (ctx) await ctx.resume();
  soundBlocked.value = ctx?.state !== "running";
  if (!soundBlocked.value) ring();
}

/** Two short tones, like a desk bell. */
export function ring(): void {
  const ctx = context();
  if (!ctx || ctx.state !== "running") return;
  const now = ctx.currentTime;
  [0, 0.18].forEach((offset, index) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = index ? 1046.5 : 784;
    gain.gain.setValueAtTime(0.0001, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.35);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + offset);
    osc.stop(now + offset + 0.4);
  });
}

function backgrounded(): boolean {
  return document.visibilityState === "hidden" || !document.hasFocus();
}

function notify(item: BarItem, router: Router): void {
  if (!useAuth().preferences.desktop_notifications) return;
  if (!("Notification" in window) || Notification.permission !== "granted" || !backgrounded()) return;
  const title = t(item.invitation ? "common.notifyInvited" : "common.notifyNewChat", { name: item.chat.visitor_name });
  const notification = new Notification(title, {
    body: item.chat.last_message_text,
    tag: `frontdesk-chat-${item.chat.id}`,
  });
  notification.onclick = () => {
    window.focus();
    void router.push(`/chats/${item.chat.id}`);
    notification.close();
  };
}

export function startAlerts(router: Router): () => void {
  const chats = useChats();
  const auth = useAuth();
  const seen = new Set<string>();
  context();

  const key = (item: BarItem) => `${item.chat.id}:${item.invitation ?? "offer"}`;

  const stop = watch(
    () => chats.red,
    (red) => {
      incomingCount.value = red.length;
      const fresh = red.filter((item) => !seen.has(key(item)));
      seen.clear();
      red.forEach((item) => seen.add(key(item)));
      if (!fresh.length) return;
      if (auth.preferences.sound) ring();
      fresh.forEach((item) => notify(item, router));
    },
    { immediate: true },
  );

  const timer = window.setInterval(() => {
    if (chats.red.length && auth.preferences.sound) ring();
  }, REPEAT_MS);

  return () => {
    stop();
    window.clearInterval(timer);
    incomingCount.value = 0;
  };
}
