/** `Authorization: Bearer <token>` → the token, or undefined (scheme name is case-insensitive, RFC 6750 §2.1). */
export function bearerToken(header: string | null | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
