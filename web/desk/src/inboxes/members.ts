import { t } from "../i18n";

/**
 * What the admin reads after taking someone out of an inbox: the tickets of theirs there that
 * were not closed are unassigned by the server, for the inbox to take back (docs/desk.md,
 * "Preferences and settings"); the answer says how many.
 */
export function removedMessage(name: string, unassigned: number): string {
  return unassigned > 0 ? t("settings.memberRemovedUnassigned", { name, n: unassigned }) : t("settings.memberRemoved", { name });
}
