/** One shared "now" for every SLA countdown on screen, moved on every 20 seconds. */
import { ref } from "vue";

export const now = ref(Date.now());
let timer: ReturnType<typeof setInterval> | null = null;

export function tick(): void {
  if (timer === null) timer = setInterval(() => (now.value = Date.now()), 20_000);
}
