/*
 * frontdesk's service worker: shows the desk's Web Push notifications (docs/notifications.md).
 * The payload is the JSON the server encrypted for this browser (the browser decrypts it):
 * {id, kind, title, body, url, ticket_id, chat_id}. A click focuses a desk tab and asks it to
 * open `url`, or opens a new tab there.
 */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data;
  try {
    data = (event.data && event.data.json()) || {};
  } catch {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title : "frontdesk";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === "string" ? data.body : "",
      // One notification per desk notification: a repeat replaces it rather than piling up.
      tag: data.id ? `frontdesk-${data.id}` : undefined,
      data: { url: typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const desk = tabs.find((tab) => new URL(tab.url).origin === self.location.origin);
      if (desk) {
        await desk.focus();
        desk.postMessage({ type: "frontdesk.open", url: path });
        return;
      }
      await self.clients.openWindow(new URL(path, self.location.origin).href);
    })(),
  );
});
