// QEMU=: a binary, or a Debian QEMU version unpacked in the cache; a version Debian does not build is bad input.
import t from 'tap';
import { BadInputError } from '../../harness/errors.ts';
import { debianQemus, namesDebianQemu, resolveQemu } from '../../harness/setup/debian-qemu.ts';

void t.test('a path or command is used as given, a version names a Debian package', async (t) => {
  t.equal(await resolveQemu('/opt/qemu/bin/qemu-system-x86_64', '/nonexistent-cache'), '/opt/qemu/bin/qemu-system-x86_64');
  t.equal(await resolveQemu('qemu-system-x86_64', '/nonexistent-cache'), 'qemu-system-x86_64');
  t.ok(namesDebianQemu('7.2'));
  t.notOk(namesDebianQemu('qemu-7.2'));
  t.same(Object.keys(debianQemus).sort(), ['10.0', '7.2']);
});

void t.test('a version Debian has no package of: one line naming the ones it has', async (t) => {
  const error = await resolveQemu('8.1', '/nonexistent-cache').catch((caught: unknown) => caught);
  t.ok(error instanceof BadInputError);
  t.equal((error as Error).message, 'QEMU=8.1: Debian builds QEMU 7.2 (bookworm), 10.0 (bookworm-backports) for bookworm; or set QEMU=<path to qemu-system-x86_64>');
});
