/**
 * Web Push in this browser: the service worker (public/sw.js, at the site's root so that it
 * controls the whole desk), the subscription made with the server's VAPID key, and saving it
 * on the server. The worker shows the notification and, on a click, focuses a desk tab and
 * asks it (postMessage) to open the ticket or chat, or opens a new tab there.
 */
import { notificationsApi } from "./api";

export type PushState = "unsupported" | "denied" | "off" | "on";

const WORKER = "/sw.js";

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window && window.isSecureContext;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  const existing = await navigator.serviceWorker.getRegistration("/");
  return existing ?? (await navigator.serviceWorker.register(WORKER, { scope: "/" }));
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** This browser's subscription, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const existing = await navigator.serviceWorker.getRegistration("/");
  return (await existing?.pushManager.getSubscription()) ?? null;
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  return (await currentSubscription()) ? "on" : "off";
}

/** Asks for permission (a click must lead here), subscribes, and saves it on the server. */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission === "denied" ? "denied" : "off";
  const worker = await registration();
  await navigator.serviceWorker.ready;
  const { public_key } = await notificationsApi.pushKey();
  let subscription = await worker.pushManager.getSubscription();
  // Made with another key (the server's key was replaced): subscribe afresh.
  if (subscription && subscription.options.applicationServerKey) {
    const held = new Uint8Array(subscription.options.applicationServerKey);
    const wanted = keyBytes(public_key);
    if (held.length !== wanted.length || held.some((byte, i) => byte !== wanted[i])) {
      await subscription.unsubscribe();
      subscription = null;
    }
  }
  subscription ??= await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(public_key) });
  const json = subscription.toJSON();
  await notificationsApi.subscribe({
    endpoint: subscription.endpoint,
    expirationTime: null,
    keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
  });
  return "on";
}

export async function disablePush(): Promise<PushState> {
  const subscription = await currentSubscription();
  if (subscription) {
    const saved = await notificationsApi.subscriptions();
    const mine = saved.find((row) => row.endpoint === subscription.endpoint);
    if (mine) await notificationsApi.unsubscribe(mine.id);
    await subscription.unsubscribe();
  }
  return pushState();
}

/** Calls `open(path)` when the worker asks this tab to show a notification's ticket or chat. */
export function listenToWorker(open: (path: string) => void): () => void {
  if (!("serviceWorker" in navigator)) return () => undefined;
  const listener = (event: MessageEvent): void => {
    const data = event.data as { type?: string; url?: string } | null;
    if (data?.type === "frontdesk.open" && typeof data.url === "string" && data.url.startsWith("/")) open(data.url);
  };
  navigator.serviceWorker.addEventListener("message", listener);
  return () => navigator.serviceWorker.removeEventListener("message", listener);
}
