/** Runs `fn` once after calls stop for `ms`; returns a promise of that run. */
export function debounce(fn: () => Promise<unknown> | void, ms: number): () => void {
  let timer: number | undefined;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      void Promise.resolve(fn()).catch(() => undefined);
    }, ms);
  };
}

/**
 * Runs `fn` `quiet` ms after a call, and then at most once every `every` ms however often it is
 * called: never postponed for good by calls that keep coming, as `debounce` is. With `jitter`,
 * the first wait is longer by up to that many ms, drawn each time: an event every tab hears at
 * the same moment then does not bring every tab's request in the same instant.
 */
export function throttle(fn: () => Promise<unknown> | void, quiet: number, every: number, jitter = 0): () => void {
  let timer: number | undefined;
  let lastRun = -Infinity;
  return () => {
    if (timer !== undefined) return;
    const wait = Math.max(quiet + Math.random() * jitter, lastRun + every - Date.now());
    timer = window.setTimeout(() => {
      timer = undefined;
      lastRun = Date.now();
      void Promise.resolve(fn()).catch(() => undefined);
    }, wait);
  };
}

export function newId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto && window.isSecureContext) {
    return crypto.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
