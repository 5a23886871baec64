/** An xsd:dateTime (RFC 7643 §2.3.5), or a bare date, with an optional offset; at most milliseconds are kept. */
const XSD_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * The instant a dateTime names, in milliseconds since the epoch, or undefined for any other text. Date.parse alone
 * is both too lenient ("5" and "Tuesday 5" are dates to V8) and zone-dependent: it reads a time without offset in the
 * host's zone, so the answer would change with WEBSITE_TIME_ZONE. Here a missing offset means UTC, as stored
 * values are written.
 */
export function instantOf(value: unknown): number | undefined {
  const m = typeof value === 'string' ? XSD_DATE_TIME.exec(value) : null;
  if (!m) return undefined;
  const [, date, time = '00:00:00', fraction, zone = 'Z'] = m;
  const millis = fraction ? `.${fraction.slice(0, 3).padEnd(3, '0')}` : '';
  const ms = Date.parse(`${date}T${time}${millis}${zone.toUpperCase()}`);
  return Number.isNaN(ms) ? undefined : ms;
}
