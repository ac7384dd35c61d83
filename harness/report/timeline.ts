// The phase timeline of a scenario: every boot and kexec as bars on one time axis, and per kexec its load, its
// blackout (kexec -e until the new kernel answers SSH) and the FINISH that follows.
import type { PhaseRecord } from '../scenario/timeline.ts';
import { badge, seconds, table, text } from './html.ts';

/** `kexec-load-2` -> 2; phases of the first kexec have no suffix. */
function kexecNumber(name: string): number {
  return Number(/-(\d+)$/.exec(name)?.[1] ?? 1);
}

function baseName(name: string): string {
  return name.replace(/-\d+$/, '');
}

/** One row per kexec: load, blackout, whole kexec, and the FINISH phase that follows it when the scenario has one. */
export function kexecSummary(phases: readonly PhaseRecord[]): string {
  const kexecs = [...new Set(phases.filter((phase) => baseName(phase.name) === 'kexec').map((phase) => kexecNumber(phase.name)))];
  if (kexecs.length === 0) return '';
  const find = (base: string, number: number) => phases.find((phase) => baseName(phase.name) === base && kexecNumber(phase.name) === number);
  const rows = kexecs.map((number) => {
    const whole = find('kexec', number);
    const started = whole ? Date.parse(whole.startedAt) : Number.NaN;
    // FINISH: the first phase named finish* that starts after this kexec.
    const finish = phases.find((phase) => /finish/i.test(phase.name) && Date.parse(phase.startedAt) >= started);
    return [
      text(number),
      text(seconds(find('kexec-load', number)?.durationMs)),
      text(seconds(find('kexec-to-ssh', number)?.durationMs)),
      text(seconds(whole?.durationMs)),
      finish ? `${text(finish.name)} ${text(seconds(finish.durationMs))}` : '-',
      badge(whole?.outcome === 'failed' ? 'fail' : 'pass'),
    ];
  });
  return table(['kexec', 'load', 'blackout (kexec -e to SSH)', 'whole kexec', 'FINISH', 'outcome'], rows, 'kexecs');
}

/** Every phase as a bar placed at its start on the scenario's time axis. */
export function phaseTimeline(phases: readonly PhaseRecord[]): string {
  if (phases.length === 0) return '<p class="none">no phases recorded</p>';
  const starts = phases.map((phase) => Date.parse(phase.startedAt));
  const origin = Math.min(...starts);
  const end = Math.max(...phases.map((phase, index) => (starts[index] ?? origin) + phase.durationMs));
  const span = Math.max(end - origin, 1);
  const rows = phases.map((phase, index) => {
    const left = (((starts[index] ?? origin) - origin) / span) * 100;
    const width = Math.max((phase.durationMs / span) * 100, 0.5);
    const bar = `<div class="track"><div class="bar ${phase.outcome}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></div></div>`;
    return [
      text(phase.name),
      text(`+${seconds((starts[index] ?? origin) - origin)}`),
      text(seconds(phase.durationMs)),
      bar,
      phase.outcome === 'failed' ? `${badge('fail')} ${text(phase.error ?? '')}` : badge('pass'),
    ];
  });
  return table(['phase', 'starts', 'duration', 'timeline', 'outcome'], rows, 'timeline');
}
