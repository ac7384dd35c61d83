// No file of the harness, the image builders or the scenarios reaches itself through its imports, type-only ones
// included: a cycle means two files cannot be read, tested or changed apart. The finder is tested on small graphs
// first, so a pass on the repository means no cycle, not a finder that finds none.
import t from 'tap';
import { repoRoot } from '../../harness/util/paths.ts';
import { findCycles, formatCycle, importGraph, relativeImports } from '../support/import-cycles.ts';

t.test('every kind of relative import is collected, and nothing that only looks like one', async (t) => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    "import { type C } from './c.ts';",
    "import './side-effect.ts';",
    "export { d } from './d.ts';",
    "export type * from './e.ts';",
    "const f = await import('./f.ts');",
    "type G = typeof import('./g.ts');",
    "import { execa } from 'execa';",
    "import path from 'node:path';",
    "// import { h } from './comment.ts';",
    "const text = \"import('./string.ts')\";",
  ].join('\n');
  t.same(relativeImports(source), ['./a.ts', '../b.ts', './c.ts', './side-effect.ts', './d.ts', './e.ts', './f.ts', './g.ts']);
});

t.test('the finder names each cycle once, its files in import order', async (t) => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['a.ts', 'c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
    ['e.ts', ['e.ts']],
  ]);
  t.same(findCycles(graph).map(formatCycle), ['a.ts -> b.ts -> a.ts', 'a.ts -> b.ts -> c.ts -> a.ts', 'e.ts -> e.ts']);
});

t.test('an acyclic graph has no cycle, however many paths run through it', async (t) => {
  // A ladder of 40 rungs: 2^40 paths from top to bottom, which only a search confined to cycles gets through.
  const rungs = Array.from({ length: 40 }, (_, i) => i);
  const graph = new Map(rungs.flatMap((i) => [[`l${i}`, [`l${i + 1}`, `r${i + 1}`]], [`r${i}`, [`l${i + 1}`, `r${i + 1}`]]] as const));
  t.same(findCycles(graph), []);
});

t.test('harness/, images/ and scenarios/ have no import cycle', async (t) => {
  const graph = await importGraph(repoRoot, ['harness', 'images', 'scenarios']);
  // A reader that found no files or no imports would pass vacuously.
  t.ok(graph.get('harness/guest/live-guest.ts')?.includes('harness/guest/pci.ts'), 'the graph holds the imports it should');
  t.same(findCycles(graph).map(formatCycle), [], 'cycles, each as file -> imported file -> ... -> the first again');
});
