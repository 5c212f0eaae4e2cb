import type { Words } from "../words";

export const en = {
} as const;

export const fr: Words<typeof en> = {
};
