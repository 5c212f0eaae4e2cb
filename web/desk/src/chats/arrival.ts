/**
 * The focus after a keyboard shortcut opened a chat (n, p): the shortcut asks for it, the chat's
 * window takes it once its chat is loaded (on its heading, the visitor's name). Without it the
 * focus stayed on the page's body, and the next Tab started from the top of the desk.
 */
const WAIT_MS = 5_000;
let askedAt = 0;

export function focusOnArrival(): void {
  askedAt = Date.now();
}

/** Whether a shortcut just asked for the focus: true once. */
export function takeArrivalFocus(): boolean {
  const asked = Date.now() - askedAt < WAIT_MS;
  askedAt = 0;
  return asked;
}
