// The catalog reads the scenarios' manifests: each module defines its scenario and runs nothing when imported.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { properties } from '../../harness/results/properties.ts';
import { listScenarios, scenarioDir, selectScenarios } from '../../harness/scenario/catalog.ts';
import { areas, factsOf } from '../../harness/scenario/define-scenario.ts';
import { repoRoot } from '../../harness/util/paths.ts';

t.test('every file in scenarios/ is in the catalog under its own name, area by area', async (t) => {
  const catalog = await listScenarios();
  const files = (await readdir(scenarioDir)).filter((name) => name.endsWith('.ts')).map((name) => name.replace(/\.ts$/, ''));
  t.same(catalog.map((entry) => entry.name).sort(), files.sort());
  const ranks = catalog.map((entry) => areas.indexOf(entry.manifest.area));
  t.same(ranks, [...ranks].sort((a, b) => a - b), 'listed area by area');
  for (const entry of catalog) t.ok(entry.manifest.description.length > 20, `${entry.name} says what it checks`);
  t.equal(catalog.filter((entry) => entry.manifest.benchSubject).length, 1, 'one scenario is what make bench times against the floor');
});

t.test('importing a scenario module runs nothing', async (t) => {
  const started = await execa('node', ['--import', 'tsx', '-e', "await import('./scenarios/kexec.ts'); console.log('imported')"], { cwd: repoRoot, env: { LUO_HARNESS_CONTEXT: '' } });
  t.equal(started.stdout, 'imported', 'no TAP, no guest: only what the importer printed');
});

t.test('each property the harness judges has an upstream judge in the catalog, and the other way round', async (t) => {
  const catalog = await listScenarios();
  const judged = (by: 'harness' | 'upstream') =>
    [...new Set(catalog.filter((entry) => (entry.manifest.judgedBy ?? 'harness') === by).flatMap((entry) => (entry.manifest.judges ?? []).map((judgement) => judgement.property)))].sort();
  t.same(judged('harness'), Object.keys(properties).sort());
  t.same(judged('upstream'), Object.keys(properties).sort());
});

t.test('an unknown name is bad input naming the known ones', async (t) => {
  const catalog = await listScenarios();
  t.throws(() => selectScenarios(catalog, ['kexec', 'no-such']), { code: 'BAD_INPUT', message: /unknown scenario "no-such"; known: .*kexec/ });
  t.same(selectScenarios(catalog, ['kexec']).map((entry) => path.basename(entry.file)), ['kexec.ts']);
});

t.test('facts read back are checked against the manifest: a wrong shape or an undeclared fact is an error', async (t) => {
  const [memfd] = selectScenarios(await listScenarios(), ['luo-memfd']);
  const manifest = memfd?.manifest;
  if (!manifest) return t.fail('no luo-memfd in the catalog');
  t.same(factsOf(manifest, { bytesVerified: { gen1: 4096 } }), { bytesVerified: { gen1: 4096 } });
  t.throws(() => factsOf(manifest, { bytesVerified: { gen1: 'many' } }), /luo-memfd: facts do not match its manifest: bytesVerified\.gen1/);
  t.throws(() => factsOf(manifest, { notDeclared: 1 }), /luo-memfd: facts do not match its manifest/);
});
