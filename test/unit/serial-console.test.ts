import { watch } from 'node:fs';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { withDeadline } from '../../harness/util/deadline.ts';
import { SerialConsole } from '../../harness/vm/serial-console.ts';

t.test('waits for a line written after it started waiting, from an offset', async (t) => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'serial-')), 'serial.log');
  await writeFile(file, 'Linux version 7.3.4\nluo-harness: ssh ready boot_id=aaaa\n');
  const serial = new SerialConsole(file);
  await serial.start();
  t.teardown(() => serial.stop());
  const first = await serial.waitFor(/ssh ready boot_id=(\w+)/);
  t.equal(first[1], 'aaaa', 'finds what is already there');
  const offset = serial.offset;
  const second = serial.waitFor(/ssh ready boot_id=(\w+)/, offset);
  await appendFile(file, 'Linux version 7.3.4\nluo-harness: ssh ready boot_id=bbbb\n');
  t.equal((await withDeadline('second boot line', 5000, () => second))[1], 'bbbb', 'only matches after the offset');
  t.match(serial.tail(1), /boot_id=bbbb/);
});

t.test('an abort signal rejects the wait', async (t) => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'serial-')), 'serial.log');
  const serial = new SerialConsole(file);
  await serial.start();
  t.teardown(() => serial.stop());
  await t.rejects(withDeadline('never', 300, (signal) => serial.waitFor(/never printed/, 0, signal)), /never did not happen within 0 s/);
});

t.test('stop() during a read triggered by the file growing waits for it, reads the rest, then closes', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'serial-'));
  // Several rounds: the console's own watcher must fire before stop() in at least some of them.
  for (let round = 0; round < 10; round += 1) {
    const file = path.join(dir, `serial-${round}.log`);
    await writeFile(file, '');
    const serial = new SerialConsole(file);
    await serial.start();
    const grown = new Promise<void>((resolve) => {
      const watcher = watch(file, () => {
        watcher.close();
        resolve();
      });
    });
    // Many 64 KiB reads: the console is still reading when stop() comes.
    const text = `${'x'.repeat(4 * 1024 * 1024)}\nlast line ${round}\n`;
    await appendFile(file, text);
    await grown;
    await serial.stop();
    t.equal(serial.content.length, text.length, `round ${round}: everything written was read before the file closed`);
  }
});
