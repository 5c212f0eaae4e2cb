/** A clock for what counts up on screen ("Waiting 12 sec"): a ref that ticks while the calling
 * component is mounted, so nothing stands still between events. */
import { onBeforeUnmount, ref, type Ref } from "vue";

export function useNow(everyMs = 1_000): Ref<number> {
  const now = ref(Date.now());
  const timer = window.setInterval(() => (now.value = Date.now()), everyMs);
  onBeforeUnmount(() => window.clearInterval(timer));
  return now;
}
