/**
 * Azure SDK errors (RestError) carry the HTTP status in `statusCode`; the service's own code sits in
 * `details.errorCode` (Table Storage) or `code` (Key Vault). These are the one reading of that status and the one
 * way to accept some answers as outcomes rather than errors (404 on a delete that raced, 409 on a create).
 */
export const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number } | undefined)?.statusCode;

export async function tolerating<T, F>(operation: Promise<T>, fallback: F, ...statuses: number[]): Promise<T | F> {
  try {
    return await operation;
  } catch (e) {
    if (statuses.includes(statusOf(e) ?? -1)) return fallback;
    throw e;
  }
}
