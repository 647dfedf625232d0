/**
 * Exit codes of every `numaflow-soak` command.
 * - 0: success (for `diff`: no change)
 * - 1: error (bad input, invalid plan, failed command)
 * - 2: `diff` found changes
 * - 3: `diff --fail-on-risk` found a risk flag
 */
export const EXIT = { ok: 0, error: 1, changes: 2, risk: 3 } as const;
