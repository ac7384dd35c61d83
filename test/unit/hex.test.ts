import t from 'tap';
import { hex, parseHexConfig } from '../../harness/checks/hex.ts';
import { fixtureText } from '../fixtures/pci/fixtures.ts';

void t.test('parseHexConfig reads the recorded od output and plain strings', (t) => {
  const edu = parseHexConfig(fixtureText('harness-topology/snapshots/boot/0000:00:04.0.config.hex'));
  t.equal(edu.length, 256, 'the recorded od dump is 256 bytes');
  t.same(edu.subarray(0, 4), Uint8Array.from([0x34, 0x12, 0xe8, 0x11]), 'edu vendor and device ID, little-endian');
  t.same(parseHexConfig(' 34 12 e8 11\n 03 01\n'), Uint8Array.from([0x34, 0x12, 0xe8, 0x11, 0x03, 0x01]));
  t.same(parseHexConfig('3412E811'), Uint8Array.from([0x34, 0x12, 0xe8, 0x11]));
  t.end();
});

void t.test('parseHexConfig refuses what is not config space', (t) => {
  t.throws(() => parseHexConfig('34 1'), { name: 'GuestError', message: /odd number/ });
  t.throws(() => parseHexConfig('34 g1'), { message: /non-hex character "g"/ });
  t.throws(() => parseHexConfig('00'.repeat(4097)), { message: /4097 bytes/ });
  t.end();
});

void t.test('hex pads to the digits asked for', (t) => {
  t.equal(hex(0x6, 4), '0006');
  t.equal(hex(0xfee00000), 'fee00000');
  t.end();
});
