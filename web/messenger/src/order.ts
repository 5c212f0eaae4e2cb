// Where an item of the conversation's log goes (ConvoView.place): by its seq, the server's order.

/**
 * Puts `item` in `log` by its seq, among the items already stored: right after the last one
 * stored before it, so ahead of the visitor's messages still on their way (no seq yet), which
 * land after it. So a message sent after a drop, stored after the agent's answer, is drawn after
 * that answer too. An item already between its stored neighbours stays where it is: the
 * visitor's own message, drawn where it would land, does not jump once stored (until 2026-12 it
 * jumped above the messages not sent before it, refused ones included).
 *
 * The log is walked from its end, and only back to the item stored before this one: a history
 * drawn in order is placed in one step per item, not one walk of the whole log each.
 */
export function place(log: HTMLElement, item: HTMLElement, seq: number | null | undefined): void {
  if (seq == null) {
    if (!item.isConnected) log.appendChild(item);
    return;
  }
  item.dataset.seq = String(seq);
  let lower: Element | null = null;
  let higher: Element | null = null;
  let passed = false; // the item was met, walking back: it is after the one met next
  let beforeHigher = true;
  for (let other = log.lastElementChild; other; other = other.previousElementSibling) {
    if (other === item) {
      passed = true;
      continue;
    }
    const at = (other as HTMLElement).dataset.seq;
    if (at === undefined) continue;
    if (Number(at) < seq) {
      lower = other;
      break;
    }
    higher = other;
    beforeHigher = !passed;
  }
  const inLog = item.parentNode === log;
  // Between its neighbours: after `lower` (met on the way back to it), before `higher`.
  if (inLog && (!lower || passed) && (!higher || beforeHigher)) return;
  log.insertBefore(item, lower ? lower.nextElementSibling : log.firstElementChild);
}
