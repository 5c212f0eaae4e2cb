/** The shape of a catalogue: a word, or a word with plural forms chosen by `{n}`. */
export type Plural = { one: string; other: string };
export type Message = string | Plural;
export type Catalogue = Record<string, Message>;

/** Another language's catalogue has every word of the English one, in the same shape. */
export type Words<English extends Catalogue> = {
  [K in keyof English]: English[K] extends string ? string : Plural;
};
