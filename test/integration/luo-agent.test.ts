// luo-agent for real: a corrupted expectation is reported precisely (the checks can fail), and a probe sees LUO.
import { createHash } from 'node:crypto';
import t from 'tap';
import { LiveGuest } from '../../harness/guest/live-guest.ts';
import { LuoAgent } from '../../harness/guest/luo-agent.ts';
import { testGuestSpec } from '../support/test-context.ts';

t.test('verify with the wrong seed reports where and how the data differs', async (t) => {
  const guest = await LiveGuest.boot(await testGuestSpec('luo-corrupt'));
  t.teardown(() => guest.close());
  // putFile is how a developer's extra tool would get in: bytes must arrive intact.
  const payload = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 7) & 0xff));
  await guest.putFile('/tmp/payload', payload, 0o600);
  const sum = (await guest.check('sha256sum /tmp/payload; stat -c %a /tmp/payload')).stdout.split(/\s+/);
  t.equal(sum[0], createHash('sha256').update(payload).digest('hex'), 'a file copied in arrives byte for byte');
  t.equal(sum[2], '600', 'with its mode');
  const agent = new LuoAgent(guest, async () => undefined);
  const probe = await agent.probe();
  t.ok(probe.devLiveupdate && probe.memfdPreserve, 'the kernel under test preserves memfds');
  const spec = { session: 'corrupt', entries: [{ token: 1n, kind: 'addr' as const, seed: 0x1000n, size: 64 * 1024 }] };
  await agent.prepare([spec]);
  await guest.kexec();
  const wrongSeed = { ...spec, entries: [{ ...spec.entries[0]!, seed: 0x1008n }] };
  const result = await agent.verify([wrongSeed]);
  t.equal(result.exitCode, 1, 'luo-agent exits 1 on a mismatch');
  const verified = result.verified[0];
  t.equal(verified?.ok, false, 'the memfd is reported as not intact');
  t.equal(verified?.mismatch?.firstBadOffset, 0, 'first bad byte at offset 0');
  t.equal(verified?.mismatch?.expected, 0x08, 'expected byte: (0 xor 0x1008) & 0xff');
  t.equal(verified?.mismatch?.found, 0x00, 'found byte: (0 xor 0x1000) & 0xff');
  t.equal(verified?.mismatch?.foundLooksLikeOffset, 0x8n, 'the found word reads as offset 8 under the expected seed');
  t.ok((verified?.badBytes ?? 0) > 0, `bad bytes counted (${verified?.badBytes})`);
});
