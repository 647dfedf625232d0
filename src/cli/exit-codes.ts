/**
 * Exit codes of every `numaflow-soak` command.
 * - 0: success (for `diff`: no change; for `verdict`: the soak passed)
 * - 1: error (bad input, invalid plan, failed command)
 * - 2: `diff` found changes
 * - 3: `diff --fail-on-risk` found a risk flag
 * - 4: `recommend`/`verdict`/`doctor`: the data source is unreachable or answered with an error;
 *   `recommend`: a measurement is implausible (beyond the node shape: a broken exporter)
 * - 5: `verdict`: the soak failed at least one check; `recommend --write`: not written, because
 *   the soak failed its verdict (`--allow-failed-soak` writes anyway)
 * - 6: `recommend`/`verdict`: too little data to decide; `recommend --write`: not written,
 *   because the soak's verdict had too little data (`--allow-failed-soak` writes anyway)
 */
export const EXIT = { ok: 0, error: 1, changes: 2, risk: 3, sourceUnavailable: 4, verdictFailed: 5, insufficientData: 6 } as const;
