import { watch } from 'node:fs';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { withDeadline } from '../../harness/util/deadline.ts';
import { SerialConsole } from '../../harness/vm/serial-console.ts';

/** A console following a new file (holding `contents`, when given), stopped when the test ends. */
async function followed(t: Test, contents?: string): Promise<{ file: string; serial: SerialConsole }> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'serial-')), 'serial.log');
  if (contents !== undefined) await writeFile(file, contents);
  const serial = new SerialConsole(file);
  serial.start();
  t.teardown(() => serial.stop());
  return { file, serial };
}

t.test('waits for a line written after it started waiting, from an offset', async (t) => {
  const { file, serial } = await followed(t, 'Linux version 7.3.4\nluo-harness: ssh ready boot_id=aaaa\n');
  const first = await serial.waitFor(/ssh ready boot_id=(\w+)/);
  t.equal(first[1], 'aaaa', 'finds what is already there');
  const offset = serial.offset;
  const second = serial.waitFor(/ssh ready boot_id=(\w+)/, offset);
  await appendFile(file, 'Linux version 7.3.4\nluo-harness: ssh ready boot_id=bbbb\n');
  t.equal((await withDeadline('second boot line', 5000, () => second))[1], 'bbbb', 'only matches after the offset');
  t.match(serial.tail(1), /boot_id=bbbb/);
});

t.test('an abort signal rejects the wait', async (t) => {
  const { serial } = await followed(t);
  await t.rejects(withDeadline('never', 300, (signal) => serial.waitFor(/never printed/, 0, signal)), /never did not happen within 0 s/);
});

t.test('stop() right after the file grew reads all of it before closing', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'serial-'));
  // Several rounds: the console's own watcher fires before stop() in some of them, after it in others.
  for (let round = 0; round < 10; round += 1) {
    const file = path.join(dir, `serial-${round}.log`);
    await writeFile(file, '');
    const serial = new SerialConsole(file);
    serial.start();
    const grown = new Promise<void>((resolve) => {
      const watcher = watch(file, () => {
        watcher.close();
        resolve();
      });
    });
    // More than one 64 KiB read.
    const text = `${'x'.repeat(4 * 1024 * 1024)}\nlast line ${round}\n`;
    await appendFile(file, text);
    await grown;
    serial.stop();
    t.equal(serial.content.length, text.length, `round ${round}: everything written was read before the file closed`);
  }
});

t.test('a line written in pieces matches once it is whole, and a wait from an offset ignores earlier lines', async (t) => {
  const { file, serial } = await followed(t, 'luo-harness: ssh ready boot_id=0000\n[    0.1] booting\n');
  const ready = serial.waitFor(/ssh ready boot_id=(\w+)\n/, serial.offset);
  const pieces = ['luo-harness: ss', 'h ready boot', '_id=1234', '\n'];
  for (const piece of pieces) {
    await appendFile(file, piece);
    // Each piece read (and searched) before the next is written.
    await withDeadline('piece read', 5000, () => serial.waitFor(new RegExp(`${piece.replace(/\n/, '\\n')}$`), 0));
  }
  t.equal((await withDeadline('whole line', 5000, () => ready))[1], '1234', 'matched across the pieces, not the earlier line');
});
