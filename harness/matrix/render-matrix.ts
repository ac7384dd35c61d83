// The matrix as one table: a row per ordered pair, each side's compatible strings, the outcome and its evidence.
import { badge, fileLink, seconds, table, text } from '../report/html.ts';
import { alignColumns } from '../util/text-table.ts';
import type { MatrixKernel, MatrixPair, MatrixSummary } from './matrix-table.ts';

/** "kho-v4 luo-v5 memfd-v2 ...": a kernel's compatible strings, as the table shows them. */
function compatibleList(kernel: MatrixKernel | undefined): string {
  return kernel ? Object.values(kernel.compatibles).join(' ') || '(none declared)' : '?';
}

const outcomeWords = { intact: 'data intact', refused: 'refused loudly', lost: 'LOST SILENTLY', broken: 'FAILED', 'not-tested': 'not tested' } as const;

/** Both sides of a pair as the tables show them: version (release), and the compatible strings. */
function pairSides(matrix: MatrixSummary, pair: MatrixPair): { from: string; to: string; fromCompatibles: string; toCompatibles: string } {
  const kernel = (version: string) => matrix.kernels.find((candidate) => candidate.version === version);
  const side = (version: string) => `${version} (${kernel(version)?.release ?? '?'})`;
  return { from: side(pair.from), to: side(pair.to), fromCompatibles: compatibleList(kernel(pair.from)), toCompatibles: compatibleList(kernel(pair.to)) };
}

/** The terminal table, then one line of evidence per pair that is not intact. */
export function renderMatrixTable(matrix: MatrixSummary): string {
  const header = ['from', 'to', 'from compatibles', 'to compatibles', 'outcome', 'time'];
  const rows = matrix.pairs.map((pair) => {
    const sides = pairSides(matrix, pair);
    return [sides.from, sides.to, sides.fromCompatibles, sides.toCompatibles, outcomeWords[pair.outcome], `${(pair.wallMs / 1000).toFixed(1)}s`];
  });
  const evidence = matrix.pairs.filter((pair) => pair.outcome !== 'intact').flatMap((pair) => pair.evidence.map((line) => `${pair.name}: ${line}`));
  return [...alignColumns(header, rows), ...evidence].join('\n');
}

/** The matrix's own page: the table with a link to each pair's report. */
export function renderMatrixHtml(matrix: MatrixSummary): string {
  const rows = matrix.pairs.map((pair) => {
    const sides = pairSides(matrix, pair);
    return [
      text(sides.from),
      text(sides.to),
      `<code>${text(sides.fromCompatibles)}</code>`,
      `<code>${text(sides.toCompatibles)}</code>`,
      badge(pair.acceptable ? (pair.outcome === 'intact' ? 'pass' : 'expected') : 'fail'),
      text(outcomeWords[pair.outcome]),
      pair.evidence.map((line) => text(line)).join('<br>'),
      text(seconds(pair.wallMs)),
      fileLink(pair.report, 'report'),
    ];
  });
  const title = `luo-harness matrix ${matrix.runId}: ${matrix.pairs.every((pair) => pair.acceptable) ? 'every update intact or refused loudly' : 'an update lost data or failed'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${text(title)}</title>
<style>body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; } table { border-collapse: collapse; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
.badge { padding: 0 .4em; border-radius: 3px; font-weight: 600; } .badge.pass { background: #e3f4e6; } .badge.fail { background: #fde2e4; } .badge.expected { background: #fff3cd; }</style></head>
<body>
<h1>${text(title)}</h1>
<p>Each row: the first kernel booted, the second kexec'd into, with ${text(matrix.scenarios.join(', '))}. ${fileLink('summary.json')}</p>
${table(['from', 'to', 'from compatibles', 'to compatibles', '', 'outcome', 'evidence', 'time', 'run'], rows, 'matrix')}
</body></html>
`;
}
