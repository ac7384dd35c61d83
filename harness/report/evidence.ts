// Config evidence and helper outputs as tables: the register diff across kexec, the write audit, and the DMA, MSI
// and memfd records of the guest helpers.
import type { DeviceWriteAudit } from '../checks/config-write-audit.ts';
import type { UnreadableJsonLine } from '../formats/json-lines.ts';
import { fileLink, table, text } from './html.ts';
import type { ScenarioFolder } from './run-folder.ts';

function hex(value: number | 'unknown'): string {
  return typeof value === 'number' ? `0x${value.toString(16)}` : value;
}

/** The register-by-register diff files, as written by the scenario (one block per device, registers named). */
export function configDiffs(folder: ScenarioFolder): string {
  return folder.diffs
    .map(({ file, text: content }) => `<h4>${fileLink(file)}</h4><pre class="diff">${text(content.trim() || 'no differences')}</pre>`)
    .join('\n');
}

function auditRows(devices: readonly DeviceWriteAudit[], where: string): string[][] {
  return devices.flatMap((device) =>
    device.writes.map((write) => {
      // A later issue attributes each write to the phase it happened in; until then, the window is the phase.
      const phase = (write as { phase?: string }).phase ?? where;
      return [text(device.bdf), text(phase), text(write.register), text(`${hex(write.oldValue)} -> ${hex(write.newValue)}`), text(String(write.changed)), text(write.note ?? '')];
    }),
  );
}

/** Every config write QEMU saw, per device, attributed to a phase (or to the kexec window vs the rest of the run). */
export function writeAudit(folder: ScenarioFolder): string {
  return folder.audits
    .map(({ file, audit }) => {
      const rows = [...auditRows(audit.inWindow, 'kexec window'), ...auditRows(audit.outsideWindow, 'rest of run')];
      const counts = audit.inWindow.map((device) => `${device.bdf}: ${device.counts.writes} in window`).join(', ');
      return `<h4>${fileLink(file)}</h4><p>${text(counts || 'no devices')}</p>${rows.length > 0 ? table(['device', 'phase', 'register', 'old -> new', 'changed', 'note'], rows, 'audit') : '<p class="none">no config writes</p>'}`;
    })
    .join('\n');
}

function cell(value: unknown): string {
  if (typeof value === 'boolean') return `<span class="${value ? 'yes' : 'no'}">${value ? 'yes' : 'no'}</span>`;
  const full = typeof value === 'object' && value !== null ? JSON.stringify(value) : String((value as string | number | undefined) ?? '');
  // Config-space dumps run to 512 hex digits: the table shows the start, the file (linked above) has it all.
  return full.length > 64 ? `<span title="${text(full)}">${text(full.slice(0, 64))}…</span>` : text(full);
}

/** "N lines could not be read: line L: why; ..." under a file's tables (each line's text in its tooltip), if any could not. */
export function unreadableLines(unreadable: readonly UnreadableJsonLine[]): string {
  if (unreadable.length === 0) return '';
  const lines = unreadable.map((entry) => `<span title="${text(entry.text)}">line ${text(entry.line)}: ${text(entry.why)}</span>`);
  return `<p class="fail">${text(unreadable.length)} line${unreadable.length === 1 ? '' : 's'} could not be read: ${lines.join('; ')}</p>`;
}

/** One helper's records grouped by file and event (dma, msi, msi-state, memfd verification, ...), one table each. */
export function helperTables(folder: ScenarioFolder, helper: string): string {
  return folder.events
    .filter((output) => output.helper === helper)
    .map(({ file, events, unreadable }) => {
      const byEvent = new Map<string, Record<string, unknown>[]>();
      for (const event of events) byEvent.set(event.event, [...(byEvent.get(event.event) ?? []), event]);
      const tables = [...byEvent].map(([name, rows]) => {
        const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => column !== 'event');
        return `<h5>${text(name)} (${rows.length})</h5>${table(columns, rows.map((row) => columns.map((column) => cell(row[column]))), `events ${name}`)}`;
      });
      return `<h4>${fileLink(file)}</h4>${tables.join('\n')}${unreadableLines(unreadable)}`;
    })
    .join('\n');
}
