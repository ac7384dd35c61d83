// The few HTML helpers the report needs: escaping, tables, links. Cells are HTML; callers escape text with `text`.

/** Escape text for HTML element content and attribute values. */
export function text(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A table; `className` styles it, cells are HTML. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], className = ''): string {
  const head = `<tr>${headers.map((header) => `<th>${text(header)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A link to a file of the run, relative to the report (works opened from disk). */
export function fileLink(relative: string, label = relative): string {
  return `<a href="${text(relative.split('/').map(encodeURIComponent).join('/'))}">${text(label)}</a>`;
}

/** Seconds with one decimal, from milliseconds. */
export function seconds(milliseconds: number | undefined): string {
  return milliseconds === undefined ? '-' : `${(milliseconds / 1000).toFixed(1)} s`;
}

/** A status word as a styled badge (pass, fail, skip, todo, expected, unexpected). */
export function badge(status: string): string {
  return `<span class="badge ${text(status.split(' ')[0])}">${text(status)}</span>`;
}
