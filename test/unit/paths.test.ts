import { access, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import t from 'tap';
import { listScenarios } from '../../harness/scenario/catalog.ts';
import { nodeArgsFor, repoRoot } from '../../harness/util/paths.ts';

t.test('a scenario runs from the source through tsx, or from the bundle luo-harness runs', async (t) => {
  const file = path.join(repoRoot, 'scenarios', 'kexec.ts');
  t.same(nodeArgsFor(file, {}), ['--import', 'tsx', file]);
  t.same(nodeArgsFor(file, { LUO_HARNESS_BUNDLE: '/b' }), ['--enable-source-maps', '/b/scenarios/kexec.mjs']);
});

/** The bundle luo-harness runs (`current`), built by make if a source is newer. */
async function builtBundle(): Promise<string> {
  await execa('make', ['-s', '-C', repoRoot, path.join('.luo-harness-bundle', 'complete')]);
  return realpath(path.join(repoRoot, '.luo-harness-bundle', 'current'));
}

t.test('the bundle make builds has every scenario of the catalog, the scenario process and the CLI', async (t) => {
  const bundle = await builtBundle();
  const entries = [path.join(repoRoot, 'harness', 'cli.ts'), path.join(repoRoot, 'harness', 'scenario', 'main.ts'), ...(await listScenarios()).map((scenario) => scenario.file)];
  for (const entry of entries) {
    const [, bundled = ''] = nodeArgsFor(entry, { LUO_HARNESS_BUNDLE: bundle });
    await t.resolves(access(bundled), path.relative(repoRoot, bundled));
  }
});

t.test("the bundle's files load its own one-file copies of the packages the harness imports", async (t) => {
  const bundle = await builtBundle();
  const packages = ['execa', 'p-retry', 'ssh2', 'tap'];
  // Resolved from the bundle folder, as the CLI and the scenarios in it resolve them.
  const resolved = await execa('node', ['--input-type=module', '-e', `for (const name of ${JSON.stringify(packages)}) console.log(import.meta.resolve(name))`], { cwd: bundle });
  t.same(
    resolved.stdout.split('\n'),
    packages.map((name) => pathToFileURL(path.join(bundle, 'node_modules', name, 'index.mjs')).href),
  );
});
