import { access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { listScenarios } from '../../harness/scenario/catalog.ts';
import { nodeArgsFor, repoRoot } from '../../harness/util/paths.ts';

t.test('a scenario runs from the source through tsx, or from the bundle luo-harness runs', async (t) => {
  const file = path.join(repoRoot, 'scenarios', 'kexec.ts');
  t.same(nodeArgsFor(file, {}), ['--import', 'tsx', file]);
  t.same(nodeArgsFor(file, { LUO_HARNESS_BUNDLE: '/b' }), ['--enable-source-maps', '/b/scenarios/kexec.mjs']);
});

t.test('the bundle make builds has every scenario of the catalog and the CLI', async (t) => {
  const bundle = path.join(repoRoot, 'node_modules', '.luo-harness-bundle');
  await execa('make', ['-s', '-C', repoRoot, path.join('node_modules', '.luo-harness-bundle', 'complete')]);
  const entries = [path.join(repoRoot, 'harness', 'cli.ts'), ...(await listScenarios()).map((scenario) => scenario.file)];
  for (const entry of entries) {
    const [, bundled = ''] = nodeArgsFor(entry, { LUO_HARNESS_BUNDLE: bundle });
    await t.resolves(access(bundled), path.relative(repoRoot, bundled));
  }
});
