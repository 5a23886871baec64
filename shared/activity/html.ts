/** Text for HTML content and attribute values: every character that could open markup or close an attribute. */
export const esc = (s: string | null | undefined) => (s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An ISO instant as the page shows it (UTC, to the second), escaped; a dash when there is none. */
export const when = (iso: string | null | undefined) =>
  iso ? esc(iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')) : '—';
