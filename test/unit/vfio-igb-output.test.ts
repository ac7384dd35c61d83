// Parser for vfio-igb's JSON lines, against real recordings (test/fixtures/vfio-igb/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { pickEvents, pickOnlyEvent } from '../../harness/formats/json-lines.ts';
import { parseVfioIgbOutput, type VfioIgbEvent } from '../../harness/guest/vfio-igb-output.ts';

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vfio-igb');
const fixture = (name: string) => readFileSync(path.join(fixtureDir, `${name}.jsonl`), 'utf8');
const recorded = (name: string) => parseVfioIgbOutput(fixture(name));
const only = <N extends VfioIgbEvent['event']>(events: VfioIgbEvent[], name: N) => pickOnlyEvent(events, name, 'vfio-igb');

/** A recording with one event's fields changed. */
function altered(name: string, event: string, changes: Record<string, unknown>): string {
  return fixture(name)
    .split('\n')
    .map((line) => {
      if (!line.includes(`"event":"${event}"`)) return line;
      return JSON.stringify({ ...(JSON.parse(line) as object), ...changes });
    })
    .join('\n');
}

void t.test('loopback DMA above 4 GiB after an FLR: every frame verified', (t) => {
  const events = recorded('dma-above-4g');
  t.equal(only(events, 'device').id, '8086:10c9');
  const reset = only(events, 'reset');
  t.ok(reset.before !== 0 && reset.after === 0, 'the FLR cleared the marker written before it');
  const frames = pickEvents(events, 'dma');
  t.ok(frames.length > 0 && frames.every((frame) => frame.ok && frame.iova === 0x1_0000_0000n && frame.length === frame.frame));
  const summary = only(events, 'dma-summary');
  t.equal(summary.transfers, frames.length);
  t.equal(summary.bytesChecked, frames.reduce((sum, frame) => sum + frame.size, 0));
  t.equal(summary.failures, 0);
  t.end();
});

void t.test('a flipped TX byte: the frame that carries it fails with where and what', (t) => {
  const events = recorded('dma-fault-tx-byte-flipped');
  const failed = pickEvents(events, 'dma').filter((frame) => !frame.ok);
  t.ok(failed.length > 0);
  t.equal(failed[0]?.mismatch?.firstBadOffset, 0x64, 'byte 100 of the payload');
  t.match(failed[0]?.problems.join(' '), /1 byte differs, first at 0x64/);
  t.equal(only(events, 'dma-summary').failures, failed.length);
  t.end();
});

void t.test('MSI-X after the kexec: table found masked, each vector once per raise, the masked one delivered on unmask', (t) => {
  const events = recorded('msix-after-kexec');
  const table = only(events, 'msix-table');
  t.equal(table.tableSize, 10);
  t.equal(table.enabled, false);
  t.ok(table.vectorControl.every((control) => (control & 1) === 1) && table.ok);
  const msix = only(events, 'msix');
  t.same(msix.perVector, Array(msix.vectors).fill(msix.raisesPerVector));
  t.equal(msix.misrouted + msix.duplicates + msix.missing + msix.spurious, 0);
  t.equal(msix.whileMasked, 0);
  t.equal(msix.onUnmask, 'delivered');
  t.equal(msix.afterUnmask, 1);
  t.ok(msix.ok);
  t.equal(only(events, 'msix-disarmed').armedEntries, 0);
  t.end();
});

void t.test('a vector that was never masked: the interrupt while "masked" is the problem', (t) => {
  const msix = only(recorded('msix-fault-not-masked'), 'msix');
  t.equal(msix.ok, false);
  t.equal(msix.whileMasked, 1);
  t.match(msix.problems.join(' '), /vector 9 masked: 1 interrupts arrived/);
  t.end();
});

void t.test('lines that contradict themselves are refused, naming the field', (t) => {
  t.throws(() => parseVfioIgbOutput(altered('msix-after-kexec', 'msix-table', { data: [0, 0] })), /"data" has 2 entries for a table of 10/);
  t.throws(() => parseVfioIgbOutput(altered('msix-after-kexec', 'msix', { per_vector: [8] })), /"per_vector" has 1 entries for 10 vectors/);
  t.throws(() => parseVfioIgbOutput(altered('msix-after-kexec', 'msix', { mask_vector: 10 })), /"mask_vector" 10/);
  t.throws(() => parseVfioIgbOutput(altered('msix-after-kexec', 'msix', { on_unmask: 'maybe' })), /on_unmask/);
  t.throws(() => parseVfioIgbOutput(altered('dma-above-4g', 'dma', { bytes_checked: 1 })), /"bytes_checked" 1 is not the size/);
  t.end();
});

void t.test('the series kernel: the kexec refused while MSI-X is armed, the device preserved and taken back', (t) => {
  const refused = pickEvents(recorded('refuse-kexec-series'), 'step').map((step) => [step.step, step.errno]);
  t.same(refused, [['preserve-with-msi-armed', null], ['kexec', 'EINVAL'], ['device-fd-after-refused-kexec', null]]);
  const preserved = recorded('preserve-series');
  t.match(only(preserved, 'preserve'), { supported: true, errno: null, token: 0n });
  t.same(pickEvents(preserved, 'step').map((step) => [step.step, step.errno]), [['preserve-inflight-memfd', null]]);
  const ready = only(preserved, 'ready');
  const resumed = recorded('resume-series');
  t.same(
    pickEvents(resumed, 'step').map((step) => [step.step, step.errno === null ? 'ok' : 'refused']),
    [
      ['retrieve-session', 'ok'],
      ['open-cdev-before-finish', 'refused'],
      ['finish-before-retrieve', 'refused'],
      ['retrieve-inflight-memfd', 'ok'],
      ['retrieve-device', 'ok'],
      ['finish-before-bind', 'refused'],
      ['bind-iommufd', 'ok'],
      ['finish', 'ok'],
    ],
    'every step in the order the uAPI defines',
  );
  t.match(only(resumed, 'inflight'), { outcome: 'completed', badBytes: 0 }, 'QEMU loops frames back inside the TDT write: they landed before kexec -e');
  t.ok(only(resumed, 'msix-table').ok && only(resumed, 'msix').ok && only(resumed, 'dma-summary').failures === 0);
  t.ok(ready.inflightSeed > 0n);
  t.end();
});
