/** The activity log's time grid: successes are counted per minute, tenants indexed per hour, tables per UTC day. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
export const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;
export const ceilMinute = (ms: number) => ceilTo(ms, MINUTE_MS);
