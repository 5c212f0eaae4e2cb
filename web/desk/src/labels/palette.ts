/**
 * The colours a label may have. Red, orange and green mean a chat's state on the chat bar and
 * beside chats (waiting, unread, all read), so labels never take them: the palette has none of
 * them, the settings offer only the palette, and a label stored with another colour (made before
 * the palette, or through the API, which accepts any hex colour) is shown in the palette colour
 * nearest to it. See docs/desk.md, "Labels".
 */
import type { Key } from "../i18n";

export interface LabelColor {
  hex: string;
  name: Key;
}

export const PALETTE: readonly LabelColor[] = [
  { hex: "#64748b", name: "chatbar.labelColorSlate" },
  { hex: "#78716c", name: "chatbar.labelColorStone" },
  { hex: "#2563eb", name: "chatbar.labelColorBlue" },
  { hex: "#4f46e5", name: "chatbar.labelColorIndigo" },
  { hex: "#7c3aed", name: "chatbar.labelColorViolet" },
  { hex: "#c026d3", name: "chatbar.labelColorFuchsia" },
  { hex: "#0f766e", name: "chatbar.labelColorTeal" },
  { hex: "#0891b2", name: "chatbar.labelColorCyan" },
];

export const DEFAULT_COLOR = PALETTE[0]!;

function rgb(hex: string): [number, number, number] | null {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  return match ? [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)] : null;
}

/** "Redmean" distance: cheap, and closer to what eyes see than plain RGB distance. */
function distance(a: [number, number, number], b: [number, number, number]): number {
  const mean = (a[0] + b[0]) / 2;
  const [dr, dg, db] = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  return (2 + mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean) / 256) * db * db;
}

/** The palette colour a label is shown in: its own when it is one, else the nearest. */
export function labelColor(hex: string | null | undefined): LabelColor {
  const wanted = rgb(hex ?? "");
  if (!wanted) return DEFAULT_COLOR;
  let best = DEFAULT_COLOR;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const color of PALETTE) {
    const d = distance(wanted, rgb(color.hex)!);
    if (d < bestDistance) [best, bestDistance] = [color, d];
  }
  return best;
}
