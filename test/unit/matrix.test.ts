// The kernel-pair matrix as a table, on the summary.json of a real `make matrix` (7.2.12 and 7.3.4, 2026-12-05).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { orderedPairs, shardPairs, type MatrixSummary } from '../../harness/matrix/matrix-table.ts';
import { renderMatrixHtml, renderMatrixTable } from '../../harness/matrix/render-matrix.ts';
import { repoRoot } from '../../harness/util/paths.ts';

const matrix = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'kernel-pairs', 'matrix-summary.json'), 'utf8')) as MatrixSummary;

t.test('every ordered pair, same-version ones included; shards split them without overlap', async (t) => {
  t.same(orderedPairs(['7.2', '7.3']), [['7.2', '7.2'], ['7.2', '7.3'], ['7.3', '7.2'], ['7.3', '7.3']]);
  const pairs = orderedPairs(['7.1', '7.2', '7.3']);
  const parts = [1, 2].map((index) => shardPairs(pairs, { index, count: 2 }));
  t.same([...(parts[0] ?? []), ...(parts[1] ?? [])].sort(), [...pairs].sort(), 'together the whole matrix');
  t.equal(parts[0]?.length, 5);
});

t.test('the terminal table: a row per pair with both sides\' compatible strings and the outcome', async (t) => {
  const lines = renderMatrixTable(matrix).split('\n');
  t.match(lines[0], /^from\s+to\s+from compatibles\s+to compatibles\s+outcome\s+time$/);
  t.equal(lines.length, 5, 'a header and four rows: nothing to explain when every update is intact');
  t.match(lines[2], /^7\.2 \(7\.2\.12\)\s+7\.3 \(7\.3\.4\)\s+kho-v4 luo-v5 memblock-v1 memfd-v2 reserve-mem-v1\s+kho-v4 luo-v5 memblock-v1 memfd-v2 reserve-mem-v1\s+data intact\s+\d+\.\ds$/);
});

t.test('a silent loss is shouted and explained under the table', async (t) => {
  const lost = { ...matrix, pairs: matrix.pairs.map((pair, index) => (index === 1 ? { ...pair, outcome: 'lost' as const, acceptable: false, evidence: ['luo-memfd: 5 memfds came back with other contents on 7.3.4+: ...'] } : pair)) };
  const table = renderMatrixTable(lost);
  t.match(table, /7\.3 \(7\.3\.4\)\s+kho-v4.*LOST SILENTLY/);
  t.match(table.split('\n').at(-1), /^7\.2-to-7\.3: luo-memfd: 5 memfds came back with other contents/);
  t.match(renderMatrixHtml(lost), /an update lost data or failed/);
});

t.test('the page links each pair\'s report and keeps its text escaped', async (t) => {
  const html = renderMatrixHtml(matrix);
  t.equal((html.match(/<a href="[^"]+\/index\.html">report<\/a>/g) ?? []).length, 4);
  t.match(html, /every update intact or refused loudly/);
  t.notMatch(html, /<script/);
});
