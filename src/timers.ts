/** Limits of Node's timers, shared by every option that becomes a `setTimeout` delay. Imports nothing. */

/** setTimeout fires at once for delays above 2^31−1 ms, so no timeout or deadline option may exceed it. */
export const MAX_TIMER_MS = 2_147_483_647;
