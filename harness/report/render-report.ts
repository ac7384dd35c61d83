// The HTML report of one run: summary, failures first with their evidence, then per scenario its checks, timeline,
// config diffs, write audit, DMA/MSI/memfd tables and every artifact. One self-contained page: inline style, no
// script, no network; links are relative, so it works opened from disk.
import { preservationFeatures } from '../../images/kernel/kernel-config.ts';
import { describeDisagreements } from '../results/agreement.ts';
import { outcomeLabel } from '../results/expectations.ts';
import { runnerFiles } from '../run/scenario-process.ts';
import { badge, fileLink, seconds, table, text } from './html.ts';
import { configDiffs, helperTables, unreadableLines, writeAudit } from './evidence.ts';
import type { RunFolder, ScenarioFolder } from './run-folder.ts';
import { kexecSummary, phaseTimeline } from './timeline.ts';

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; } h3 { margin-top: 1.2em; }
table { border-collapse: collapse; margin: .4em 0 1em; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } pre { background: #f7f7f7; padding: .5em; overflow-x: auto; font-size: 12px; }
.badge { padding: 0 .4em; border-radius: 3px; font-weight: 600; } .pass, .yes { color: #176f2c; } .fail, .unexpected, .no { color: #b00020; }
.badge.pass { background: #e3f4e6; } .badge.fail, .badge.unexpected { background: #fde2e4; } .badge.skip, .badge.todo { background: #eee; color: #555; }
.badge.expected { background: #fff3cd; color: #7a5b00; }
.track { position: relative; width: 420px; height: 12px; background: #f0f0f0; } .bar { position: absolute; top: 0; height: 12px; background: #4a7fd6; }
.bar.failed { background: #b00020; } .none { color: #777; } .failure { border-left: 4px solid #b00020; padding-left: .8em; margin-bottom: 1em; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; } dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
`;

function phase(folder: ScenarioFolder, name: string): number | undefined {
  return folder.result.phases.find((entry) => entry.name === name)?.durationMs;
}

function verdictBadge(folder: ScenarioFolder): string {
  return badge(folder.result.verdict);
}

function summaryTable(run: RunFolder): string {
  const rows = run.scenarios.map((folder) => {
    const { counts } = folder.result;
    return [
      `<a href="#scenario-${text(folder.result.name)}">${text(folder.result.name)}</a>`,
      verdictBadge(folder),
      ...[counts.pass, counts.fail, counts.skip, counts.todo, counts.expected ?? 0, counts.unexpected ?? 0].map((count) => text(count)),
      text(seconds(phase(folder, 'boot-to-ssh'))),
      text(seconds(phase(folder, 'kexec-to-ssh'))),
      text(seconds(folder.result.durationMs)),
    ];
  });
  return table(['scenario', 'result', 'pass', 'fail', 'skip', 'todo', 'expected', 'unexpected', 'boot to SSH', 'kexec to SSH', 'total'], rows, 'summary');
}

/** Links to the evidence a reader of a failure opens first. */
function evidenceLinks(folder: ScenarioFolder): string {
  const { serial, dmesg, runner } = folder.logs;
  return [...serial, ...dmesg, ...runner].map((file) => fileLink(file)).join(' · ');
}

function failures(run: RunFolder): string {
  const failed = run.scenarios.filter((folder) => folder.result.verdict === 'fail');
  if (failed.length === 0) return '<p class="pass">No failures.</p>';
  return failed
    .map((folder) => {
      const { error } = folder.result;
      const errorHtml = error ? `<p><b>${text(error.code)}</b>: ${text(error.message)}</p>${error.detail ? `<pre>${text(error.detail)}</pre>` : ''}` : '';
      const points = folder.result.points
        .filter((point) => point.judgement === 'unexpected')
        .map((point) => `<p>${badge('unexpected')} <code>${text(point.id)}</code> ${text(point.name)}: ${text(outcomeLabel(point))}</p>${point.diagnostic ? `<pre>${text(point.diagnostic)}</pre>` : ''}`)
        .join('\n');
      return `<div class="failure"><h3><a href="#scenario-${text(folder.result.name)}">${text(folder.result.name)}</a> ${verdictBadge(folder)}</h3>${errorHtml}${points}<p>evidence: ${evidenceLinks(folder)}</p></div>`;
    })
    .join('\n');
}

function checks(folder: ScenarioFolder): string {
  const rows = folder.result.points.map((point) => [
    text(point.number),
    `<code>${text(point.id)}</code>${point.explicitId ? '' : ' <span class="none">(derived)</span>'}`,
    text(point.name),
    badge(point.judgement === 'as-usual' ? point.status : point.judgement),
    text(point.expected || point.status !== 'pass' ? `${outcomeLabel(point)}${point.reason ? ` (${point.reason})` : ''}` : ''),
  ]);
  return rows.length > 0 ? table(['#', 'id', 'check', 'outcome', 'detail'], rows, 'checks') : '<p class="none">no test points</p>';
}

/** The lines of tap.txt no verdict read (a stray print to the scenario's stdout), so that none goes unseen. */
function unreadableTap(folder: ScenarioFolder): string {
  const unreadable = folder.result.unreadableTap ?? [];
  if (unreadable.length === 0) return '';
  const rows = unreadable.map((entry) => [text(entry.line), `<code>${text(entry.text)}</code>`]);
  return `<p>${text(unreadable.length)} line${unreadable.length === 1 ? '' : 's'} of ${fileLink(`${folder.result.name}/${runnerFiles.tap}`)} could not be read as TAP:</p>${table(['line', 'text'], rows, 'unreadable')}`;
}

function section(title: string, body: string): string {
  return body.trim() ? `<h3>${text(title)}</h3>\n${body}` : '';
}

function scenarioSection(folder: ScenarioFolder): string {
  const { serial } = folder.logs;
  const helpers = [...new Set(folder.events.map((output) => output.helper))].sort();
  return [
    `<h2 id="scenario-${text(folder.result.name)}">${text(folder.result.name)} ${verdictBadge(folder)}</h2>`,
    section('Checks', checks(folder)),
    section('TAP lines that could not be read', unreadableTap(folder)),
    section('Timeline', `${kexecSummary(folder.result.phases)}\n${phaseTimeline(folder.result.phases)}`),
    section('Serial log of each kernel generation', serial.length > 0 ? `<p class="serial">${serial.map((file) => fileLink(file, file.replace(/^.*\//, ''))).join(' · ')}</p>` : ''),
    section('Config space across kexec (register diff)', configDiffs(folder)),
    section('Config write audit', writeAudit(folder)),
    ...helpers.map((helper) => section(`What ${helper} reported`, helperTables(folder, helper))),
    section('Artifact index lines that could not be read', unreadableLines(folder.unreadableIndex)),
    `<details><summary>All artifacts (${folder.files.length})</summary><ul>${folder.files.map((file) => `<li>${fileLink(file)}</li>`).join('')}</ul></details>`,
  ].join('\n');
}

function metadata(run: RunFolder): string {
  const { summary, repro } = run;
  const entries: [string, string][] = [
    ['kernel', `${summary.kernel.release} (${summary.kernel.identity})`],
    ['device preservation', preservationFeatures((name) => summary.kernel.options?.[name])],
    ['patches', summary.kernel.patches ? `${summary.kernel.patches.subjects.length} from ${summary.kernel.patches.given}: ${summary.kernel.patches.subjects.join('; ')}` : 'none'],
    ['next kernel', `${summary.nextKernel.release} (${summary.nextKernel.identity})`],
    ['accelerator', `${summary.accel.accel}: ${summary.accel.reason}`],
    ['QEMU', summary.qemu],
    ['guest image', summary.image],
    ['seed', summary.seed ?? '-'],
    ['shard', summary.shard ? `${summary.shard.index}/${summary.shard.count}` : 'all'],
    ['expectations', summary.expect ?? 'none'],
    [
      'upstream selftests',
      summary.agreement ? (summary.agreement.agree ? 'agree with the harness' : `DISAGREE: ${describeDisagreements(summary.agreement).join('; ')}`) : 'not run',
    ],
    ['harness', repro ? `${repro.harness.commit}${repro.harness.dirty ? ' (with uncommitted changes)' : ''}` : '-'],
    ['finished', `${summary.finishedAt}${summary.interrupted ? ' (interrupted)' : ''}`],
  ];
  return `<dl class="meta">${entries.map(([key, value]) => `<dt>${text(key)}</dt><dd>${text(value)}</dd>`).join('')}</dl>`;
}

/** The whole page. */
export function renderReport(run: RunFolder): string {
  const failed = run.scenarios.filter((folder) => folder.result.verdict === 'fail').length;
  const title = `luo-harness run ${run.summary.runId}: ${failed === 0 ? 'PASS' : `${failed} failed`}`;
  const files = ['summary.json', 'repro.json', 'junit.xml', 'results.tap'].map((file) => fileLink(file)).join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${text(title)}</title><style>${style}</style></head>
<body>
<h1>${text(title)}</h1>
${metadata(run)}
<p>${files} · rerun: <code>make scenario REPRO=${text(run.dir)}</code></p>
<h2>Summary</h2>
${summaryTable(run)}
<h2 id="failures">Failures</h2>
${failures(run)}
${run.scenarios.map(scenarioSection).join('\n')}
</body></html>
`;
}
