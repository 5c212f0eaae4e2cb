/** Who is logged in, their availability and preferences. */
import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import { ApiError, setCsrfToken } from "../api/client";
import type { Me } from "../api/types";
import { applyPreferences } from "../i18n";
import type { OutOfOffice } from "../outOfOffice/api";
import { authApi } from "./api";
import type { Role } from "./roles";

export interface Preferences {
  sound: boolean;
  desktop_notifications: boolean;
  /** "" follows the browser; otherwise one of i18n's LOCALES. */
  language: string;
  /** "" follows the browser; otherwise an IANA zone such as "Europe/Paris". */
  time_zone: string;
  /** Undo send: seconds an email reply waits before it is sent; 0 is off. */
  undo_send_seconds: number;
}

export const useAuth = defineStore("auth", () => {
  const me = ref<Me | null>(null);
  const booted = ref(false);
  /** An admin changed my role while the desk was open (docs/desk.md, "Light agents"): the new
   * role, for the banner that says so (auth/RoleChangedBanner.vue), and `moved` when the page
   * open was not one it may open. Null when nothing changed, or the banner was closed. */
  const roleChange = ref<{ to: Role; moved: boolean } | null>(null);

  const isAdmin = computed(() => me.value?.role === "owner" || me.value?.role === "admin");
  // A light agent reads and adds private notes only (docs/desk.md, "Light agents").
  const isLightAgent = computed(() => me.value?.role === "collaborator");
  const online = computed(() => me.value?.available_for_chat ?? false);
  const preferences = computed<Preferences>(() => ({
    sound: (me.value?.preferences?.sound as boolean | undefined) ?? true,
    desktop_notifications: (me.value?.preferences?.desktop_notifications as boolean | undefined) ?? true,
    language: (me.value?.preferences?.language as string | undefined) ?? "",
    time_zone: (me.value?.preferences?.time_zone as string | undefined) ?? "",
    undo_send_seconds: (me.value?.preferences?.undo_send_seconds as number | undefined) ?? 0,
  }));
  watch(preferences, applyPreferences, { immediate: true });

  function set(user: Me | null): void {
    const was = me.value;
    if (user?.id !== was?.id) roleChange.value = null;
    // Whichever read of /me brings it first (the event's, a socket's resume, a page's), a new
    // role is told once: a recheck that found it already changed must not miss it.
    else if (was && user && user.role !== was.role) roleChange.value = { to: user.role, moved: false };
    me.value = user;
    setCsrfToken(user?.csrf_token);
  }

  /** On page load: the session cookie survives reloads, GET /me tells whether it is still good. */
  async function boot(): Promise<void> {
    try {
      set(await authApi.me());
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      set(null);
    } finally {
      booted.value = true;
    }
  }

  /** Between the password and the code (two-factor authentication): the login's challenge. */
  const challenge = ref<string | null>(null);
  /** After signing in with a recovery code: how many are left, for a warning. */
  const recoveryCodesLeft = ref<number | null>(null);
  /** The role must use two-factor authentication and it is not set up: the desk shows only that. */
  const mustSetUpTwoFactor = computed(() => me.value?.two_factor_setup_required ?? false);

  /** True when the password was right and a code is still needed. */
  async function login(email: string, password: string): Promise<boolean> {
    const answer = await authApi.login(email, password);
    if ("challenge" in answer) {
      challenge.value = answer.challenge;
      return true;
    }
    challenge.value = null;
    set(answer);
    return false;
  }

  async function loginWithCode(code: string): Promise<void> {
    if (!challenge.value) throw new Error("No sign-in in progress.");
    const user = await authApi.loginCode(challenge.value, code);
    challenge.value = null;
    recoveryCodesLeft.value = user.recovery_codes_left ?? null;
    set(user);
  }

  function cancelLogin(): void {
    challenge.value = null;
  }

  /** Two-factor authentication turned on or off: /me says what changed. */
  async function refresh(): Promise<void> {
    const user = await authApi.me();
    set({ ...user, csrf_token: user.csrf_token ?? me.value?.csrf_token ?? null });
  }

  /** `inbox.membership_changed` without an inbox: my role changed, or who must use two-factor
   * authentication. /me says which; everything the role decides follows `me` at once. */
  async function recheckRole(): Promise<void> {
    if (me.value) await refresh();
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout();
    } finally {
      set(null);
    }
  }

  /** The session ended elsewhere (401 on a request, 4401 on the socket), or may no longer be
   * used until two-factor authentication is set up (the owner's rule changed): /me says which. */
  let rechecking = false;
  async function expired(): Promise<void> {
    // The /me asked here answers 401 when the session is gone, which calls this again.
    if (!me.value || rechecking) return;
    rechecking = true;
    try {
      set(await authApi.me());
    } catch {
      set(null);
    } finally {
      rechecking = false;
    }
  }

  async function setAvailability(available: boolean): Promise<void> {
    const user = await authApi.setAvailability(available);
    if (me.value) me.value = { ...me.value, available_for_chat: user.available_for_chat };
  }

  /** From an agent.availability_changed event about ourselves (idle timeout, another tab). */
  function availabilityChanged(available: boolean): void {
    if (me.value) me.value = { ...me.value, available_for_chat: available };
  }

  /** My absence set, changed or ended (here, in another tab, by an admin, by its end time). */
  function outOfOfficeChanged(away: OutOfOffice | null, available?: boolean): void {
    if (!me.value) return;
    me.value = { ...me.value, out_of_office: away, available_for_chat: available ?? me.value.available_for_chat };
  }

  async function update(body: Parameters<typeof authApi.updateMe>[0]): Promise<void> {
    const user = await authApi.updateMe(body);
    set({ ...user, csrf_token: user.csrf_token ?? me.value?.csrf_token ?? null });
  }

  return {
    me,
    booted,
    isAdmin,
    isLightAgent,
    online,
    preferences,
    challenge,
    recoveryCodesLeft,
    mustSetUpTwoFactor,
    boot,
    login,
    loginWithCode,
    cancelLogin,
    refresh,
    roleChange,
    recheckRole,
    logout,
    expired,
    setAvailability,
    availabilityChanged,
    outOfOfficeChanged,
    update,
  };
});
