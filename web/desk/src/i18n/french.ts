/**
 * The desk's French words, a chunk of their own that index.ts fetches only for an agent who reads
 * French. Each catalogue file under ./messages holds the English and the French side by side; the
 * desk's script imports the files themselves for their `en`, and this chunk a copy of each (the
 * `?words=fr` query makes it another module to the bundler) for its `fr` alone, so that neither
 * carries the other's words.
 */
import type { Translation } from "./index";
import type { Catalogue } from "./words";

const modules = import.meta.glob<Catalogue>("./messages/*.ts", { eager: true, import: "fr", query: { words: "fr" } });

/** "./messages/chats.ts" → "chats", the name index.ts gives the catalogue. */
export const french: Translation = Object.fromEntries(
  Object.entries(modules).map(([path, words]) => [path.slice(path.lastIndexOf("/") + 1).replace(/\.ts.*$/, ""), words]),
);
