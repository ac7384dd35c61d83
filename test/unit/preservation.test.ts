// Preservation verdicts on real snapshots of an edu device before and after a kexec (test/fixtures/kexec-run).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { barChanges, busMasterEnabled } from '../../harness/checks/preservation.ts';
import { parseSnapshotListing, type DeviceSnapshot } from '../../harness/guest/config-snapshot.ts';
import { repoRoot } from '../../harness/util/paths.ts';

const fixture = (name: string) => parseSnapshotListing(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'kexec-run', name), 'utf8'));
const edu = (snapshots: DeviceSnapshot[]) => snapshots.find((snapshot) => snapshot.bdf === '0000:00:04.0')!;
const before = edu(fixture('gen0-before-kexec.sysfs.txt'));
const after = edu(fixture('gen1-after-kexec.sysfs.txt'));

/** The snapshot with one little-endian dword replaced. */
function withDword(snapshot: DeviceSnapshot, offset: number, value: number): DeviceSnapshot {
  const bytes = Uint8Array.from(snapshot.bytes);
  new DataView(bytes.buffer).setUint32(offset, value, true);
  return { ...snapshot, bytes };
}

t.test('BARs: kept across the recorded kexec, a moved BAR named with old and new address', async (t) => {
  t.same(barChanges(before, after), [], 'the recorded edu kept its BARs');
  t.same(barChanges(before, withDword(after, 0x10, 0xfea00000)), ['BAR0 0xfe900000 -> 0xfea00000']);
  t.same(barChanges(before, withDword(after, 0x24, 0x1)), ['BAR5 0x00000000 -> 0x00000001']);
});

t.test('Bus Master: read from the Command register', async (t) => {
  t.equal(busMasterEnabled(before), false, 'vfio-pci left Bus Master off on release (Command 0x0103 has bit 2 clear)');
  const command = (before.bytes[4] ?? 0) | ((before.bytes[5] ?? 0) << 8);
  t.equal(busMasterEnabled(withDword(before, 0x04, command | 0x4)), true, 'bit 2 set reads as on');
});
