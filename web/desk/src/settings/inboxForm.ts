import { ref, watch, type Ref } from "vue";
import type { Inbox } from "../api/types";

/** Settings → Inboxes, "General": the fields as the admin edits them. */
export interface InboxFields {
  name: string;
  email_address: string;
  timeout: number;
  origins: string;
  require_identity: boolean;
  retention: number | "";
  signature: string;
}

export function fieldsOf(inbox: Inbox): InboxFields {
  return {
    name: inbox.name,
    email_address: inbox.email_address ?? "",
    timeout: inbox.unanswered_timeout_seconds,
    origins: inbox.allowed_origins.join("\n"),
    require_identity: inbox.require_identity,
    retention: inbox.retention_days ?? "",
    signature: inbox.email_signature ?? "",
  };
}

const same = (a: InboxFields, b: InboxFields) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The form of the selected inbox. It is filled from the inbox when another inbox is picked
 * (`switched` then runs, e.g. to read its members), not each time the desk's copy of the inbox is
 * replaced: that happens on every `inbox.updated` (another admin's save, or this one's own) and
 * every reload of the list, and refilling then wiped what the admin was typing. A change made
 * elsewhere is taken in when the admin has changed nothing; over their unsaved edits the form
 * keeps their text and `changedElsewhere` says so, until they `reload` (their edits lost, the
 * inbox as it is now) or save (theirs win, as any save does).
 */
export function useInboxForm(selected: Ref<Inbox | undefined>, switched: (inbox: Inbox) => void = () => undefined) {
  const form = ref<InboxFields>({ name: "", email_address: "", timeout: 300, origins: "", require_identity: false, retention: "", signature: "" });
  // The inbox's fields as the form was last filled from them: what "unsaved edits" is measured by.
  let base: InboxFields = { ...form.value };
  const changedElsewhere = ref(false);

  function fill(inbox: Inbox): void {
    base = fieldsOf(inbox);
    form.value = { ...base };
    changedElsewhere.value = false;
  }

  watch(
    () => selected.value?.id,
    () => {
      if (!selected.value) return;
      fill(selected.value);
      switched(selected.value);
    },
    { immediate: true },
  );

  watch(selected, (inbox, before) => {
    if (!inbox || inbox.id !== before?.id) return; // another inbox: the watch above
    const now = fieldsOf(inbox);
    if (same(now, base)) return; // what changed is not in this form (members, the secret)
    if (same(form.value, base)) fill(inbox);
    else if (same(form.value, now)) base = now; // the change is the admin's own, as typed
    else changedElsewhere.value = true;
  });

  /** "Reload": the inbox as it is now, the admin's unsaved edits dropped. */
  const reload = () => selected.value && fill(selected.value);

  return { form, changedElsewhere, reload, saved: fill };
}
