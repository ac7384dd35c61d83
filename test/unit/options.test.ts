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
