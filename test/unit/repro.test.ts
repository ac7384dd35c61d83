import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseOptions } from '../../harness/config/options.ts';
import { BadInputError } from '../../harness/errors.ts';
import { readRepro, reproOptions, type Repro } from '../../harness/run/repro.ts';
import { newSeed } from '../../harness/run/run-seed.ts';

const recorded = {
  runId: 'r1',
  seed: '0123456789abcdef',
  options: { scenarios: ['kexec', 'vfio-edu'], kernelSrc: '/src/linux', qemu: 'qemu-system-x86_64', expect: '/e/known.json' },
} as unknown as Repro;

t.test('a rerun takes the recorded options; only RESULTS and KEEP stay the caller\'s', async (t) => {
  const current = parseOptions(['run'], { S: 'boot', SHARD: '1/2', KERNEL: '/other/bzImage', ACCEL: 'tcg', RESULTS: '/tmp/r', KEEP: '1', REPRO: 'results/r1' });
  const options = reproOptions(current, recorded);
  t.same(options.scenarios, ['kexec', 'vfio-edu']);
  t.equal(options.kernelSrc, '/src/linux');
  t.equal(options.kernel, undefined, 'a KERNEL in the environment does not leak into the rerun');
  t.equal(options.accel, undefined);
  t.equal(options.shard, undefined, 'the recorded list is exact: no shard');
  t.equal(options.expect, '/e/known.json');
  t.equal(options.results, '/tmp/r');
  t.equal(options.keep, true);
});

t.test('a rerun of a run with a series builds the same kernels: PATCHES and NEXT_PATCHES are recorded, the caller\'s are not used', async (t) => {
  const withSeries = { ...recorded, options: { ...recorded.options, kernelSrc: undefined, patches: '/series/pci-v7', nextPatches: '/series/next' } } as unknown as Repro;
  const options = reproOptions(parseOptions(['run'], { PATCHES: '/elsewhere' }), withSeries);
  t.equal(options.patches, '/series/pci-v7');
  t.equal(options.nextPatches, '/series/next');
  t.equal(reproOptions(parseOptions(['run'], { PATCHES: '/elsewhere' }), recorded).patches, undefined, 'none recorded: none used');
});

t.test('repro.json is validated', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'repro-'));
  await t.rejects(readRepro(dir), /REPRO=.*: no readable .*repro\.json; point REPRO at a run folder/);
  await writeFile(path.join(dir, 'repro.json'), JSON.stringify({ ...recorded, seed: 'xyz' }));
  await t.rejects(readRepro(dir), BadInputError);
  await writeFile(path.join(dir, 'repro.json'), JSON.stringify(recorded));
  t.equal((await readRepro(dir)).seed, '0123456789abcdef');
});

t.test('seeds are 16 hex digits and fresh per run', async (t) => {
  t.match(newSeed(), /^[0-9a-f]{16}$/);
  t.not(newSeed(), newSeed());
});
