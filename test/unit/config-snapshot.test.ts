import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { deviceIdentity, identityChanges } from '../../harness/checks/device-identity.ts';
import { parseSnapshotListing } from '../../harness/guest/config-snapshot.ts';
import { diffSnapshots } from '../../harness/guest/kexec-evidence.ts';
import { repoRoot } from '../../harness/util/paths.ts';

const fixture = (name: string) => readFileSync(path.join(repoRoot, 'test', 'fixtures', 'kexec-run', name), 'utf8');
const before = parseSnapshotListing(fixture('gen0-before-kexec.sysfs.txt'));
const after = parseSnapshotListing(fixture('gen1-after-kexec.sysfs.txt'));

t.test('the snapshot listing of a real guest parses device by device', async (t) => {
  t.same(before.map((device) => device.bdf), ['0000:00:00.0', '0000:00:01.0', '0000:00:03.0', '0000:00:04.0', '0000:00:05.0', '0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']);
  const edu = before.find((device) => device.bdf === '0000:00:04.0');
  t.equal(edu?.bytes.length, 256, 'conventional PCI: 256 bytes of config space');
  t.equal(edu?.driver, 'vfio-pci', 'driver recorded');
  t.equal(before.find((device) => device.bdf === '0000:00:00.0')?.driver, null, 'no driver is null');
  t.equal(after.find((device) => device.bdf === '0000:00:04.0')?.driver, null, 'after kexec nothing claims edu');
  t.throws(() => parseSnapshotListing('== 0000:00:04.0\n 00 01\n'), /malformed config snapshot block/);
});

t.test('device identity: edu IDs, class and a 1 MiB BAR0, stable across the kexec', async (t) => {
  const edu = deviceIdentity(before.find((device) => device.bdf === '0000:00:04.0')!);
  t.equal(edu.vendor, 0x1234);
  t.equal(edu.device, 0x11e8);
  t.equal(edu.classCode, 0x00ff00);
  t.equal(edu.barSizes[0], 1024 * 1024);
  for (const old of before) {
    const now = after.find((device) => device.bdf === old.bdf)!;
    t.same(identityChanges(deviceIdentity(old), deviceIdentity(now)), [], `${old.bdf} stable`);
  }
  const moved = { ...edu, barSizes: [2 * 1024 * 1024, 0, 0, 0, 0, 0], device: 0x11e9 };
  t.same(identityChanges(edu, moved), ['device 0x11e8 -> 0x11e9', 'BAR0 size 0x100000 -> 0x200000']);
});

t.test('diff across the recorded kexec: only AHCI lost Bus Master; every other device, edu included, unchanged', async (t) => {
  const diffs = diffSnapshots(before, after);
  t.same(
    diffs.filter((diff) => diff.entries.length > 0).map((diff) => [diff.bdf, diff.entries.map((e) => [e.offset, e.name, e.before, e.after, e.bitsCleared])]),
    [['0000:00:1f.2', [[0x04, 'Command', 0x0107, 0x0103, ['BusMaster']]]]],
  );
  t.same(diffs.map((diff) => diff.presence), before.map(() => 'both'));
  const missing = diffSnapshots(before, after.filter((device) => device.bdf !== '0000:00:05.0'));
  t.equal(missing.find((diff) => diff.bdf === '0000:00:05.0')?.presence, 'before-only', 'a vanished device is reported');
  t.same(missing.find((diff) => diff.bdf === '0000:00:05.0')?.entries, [], 'and not diffed against nothing');
});
