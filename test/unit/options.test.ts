import t from 'tap';
import { kernelAndMachineVariables, parseOptions } from '../../harness/config/options.ts';
import { BadInputError } from '../../harness/errors.ts';

t.test('make variables become options, flags win', async (t) => {
  const options = parseOptions(['--accel=kvm'], { S: 'boot, kexec', ACCEL: 'tcg', KERNEL: '/k/bzImage' });
  t.same(options.scenarios, ['boot', 'kexec']);
  t.equal(options.accel, 'kvm');
  t.equal(options.kernel, '/k/bzImage');
  t.equal(options.command, 'run');
  t.equal(options.qemu, 'qemu-system-x86_64');
});

t.test('ACCEL=auto means detect', async (t) => {
  t.equal(parseOptions([], { ACCEL: 'auto' }).accel, undefined);
});

t.test('commands are positional', async (t) => {
  t.equal(parseOptions(['doctor'], {}).command, 'doctor');
  t.equal(parseOptions(['list'], {}).command, 'list');
});

t.test('bad input names the input and the fix', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [[], { ACCEL: 'fast' }, /ACCEL=fast is not one of kvm, tcg, auto/],
    [[], { KERNEL: 'a', KERNEL_SRC: 'b' }, /KERNEL and KERNEL_SRC both given/],
    [[], { CONFIG: 'x' }, /CONFIG describes a prebuilt KERNEL/],
    [['--nope=1'], {}, /unknown option --nope/],
    [['--kernel'], {}, /option --kernel needs a value/],
    [['frobnicate'], {}, /unknown command "frobnicate"/],
    [[], { S: 'Boot!' }, /"Boot!" is not a scenario name/],
    [[], { NEXT_PATCHES: 'p', NEXT_KERNEL: 'k' }, /NEXT_PATCHES and NEXT_KERNEL both given/],
    [[], { NEXT_PATCHES: 'p', KERNEL_SRC: 't' }, /NEXT_PATCHES patches the default source/],
  ];
  for (const [argv, env, message] of cases) {
    t.throws(() => parseOptions(argv, env), message, `${argv.join(' ')} ${JSON.stringify(env)}`);
    try {
      parseOptions(argv, env);
    } catch (error) {
      t.type(error, BadInputError);
      t.equal((error as BadInputError).exitCode, 2);
      t.notMatch((error as Error).message, /\n/, 'one line');
    }
  }
});

t.test('NAME=value arguments are make variables (./luo-harness run S=kexec)', async (t) => {
  const options = parseOptions(['run', 'S=kexec,boot', 'KERNEL_SRC=.', 'SHARD=2/3', 'EXPECT=known.json', 'KEEP=1', 'REPRO=results/x'], {});
  t.same(options.scenarios, ['kexec', 'boot']);
  t.equal(options.kernelSrc, '.');
  t.same(options.shard, { index: 2, count: 3 });
  t.equal(options.expect, 'known.json');
  t.equal(options.keep, true);
  t.equal(options.repro, 'results/x');
  t.equal(parseOptions([], {}).keep, false);
  t.throws(() => parseOptions(['NOPE=1'], {}), /unknown variable NOPE; known: S, KERNEL/);
  for (const shard of ['0/2', '3/2', '1', 'a/b', '1/0']) t.throws(() => parseOptions([], { SHARD: shard }), /is not i\/n with 1 <= i <= n/, shard);
  t.throws(() => parseOptions([], { KEEP: 'yes' }), /KEEP=yes is not 0 or 1/);
});

t.test('JOBS and PAIRS: numbers, one clear error otherwise; KEEP=1 runs one at a time', async (t) => {
  t.equal(parseOptions(['JOBS=3'], {}).jobs, 3);
  t.equal(parseOptions([], {}).jobs, undefined, 'unset: the run decides');
  t.equal(parseOptions([], {}).pairs, 5);
  t.equal(parseOptions(['bench', 'PAIRS=2'], {}).pairs, 2);
  for (const jobs of ['0', '-1', 'two', '1.5', '1000']) t.throws(() => parseOptions([], { JOBS: jobs }), /is not a number of scenarios to run at once/, jobs);
  for (const pairs of ['0', 'x', '100']) t.throws(() => parseOptions([], { PAIRS: pairs }), /is not a number of timed pairs/, pairs);
  t.throws(() => parseOptions(['KEEP=1', 'JOBS=2'], {}), /KEEP=1 keeps a failed guest .* one at a time; drop JOBS=2 or pass JOBS=1/);
  t.equal(parseOptions(['KEEP=1', 'JOBS=1'], {}).jobs, 1);
});

t.test('a child run gets the same kernel, next kernel and machine as NAME=value arguments', async (t) => {
  const options = parseOptions(['bench', 'PATCHES=/p', 'NEXT_PATCHES=/n', 'ACCEL=tcg', 'JOBS=2', 'S=boot', 'RESULTS=/r', 'PAIRS=2'], {});
  t.same(kernelAndMachineVariables(options), ['PATCHES=/p', 'NEXT_PATCHES=/n', 'ACCEL=tcg', 'QEMU=qemu-system-x86_64', 'JOBS=2'], 'not the selection, the results folder or bench-only options');
  const prebuilt = parseOptions(['KERNEL=/k/bzImage', 'CONFIG=/k/.config', 'NEXT_KERNEL=/k/next'], {});
  t.same(kernelAndMachineVariables(prebuilt), ['KERNEL=/k/bzImage', 'CONFIG=/k/.config', 'NEXT_KERNEL=/k/next', 'QEMU=qemu-system-x86_64']);
  t.same(parseOptions(kernelAndMachineVariables(options), {}).patches, '/p', 'and they parse back to the same options');
});
