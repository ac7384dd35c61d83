import t from 'tap';
import { parseOptions } from '../../harness/config/options.ts';
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
