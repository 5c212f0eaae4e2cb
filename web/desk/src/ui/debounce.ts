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

export function newId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto && window.isSecureContext) {
    return crypto.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
