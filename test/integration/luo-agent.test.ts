// luo-agent for real: a corrupted expectation is reported precisely, by verify and by carry (the checks can fail),
// and a probe sees LUO.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { MemfdSpec } from '../../harness/checks/pattern.ts';
import { LiveGuest } from '../../harness/guest/live-guest.ts';
import { LuoAgent } from '../../harness/guest/luo-agent.ts';
import { assertMemfdsIntact } from '../../harness/scenario/memfd-checks.ts';
import { testGuestSpec } from '../support/test-context.ts';

/** Where to keep each luo-agent run's stdout, when set: how test/fixtures/luo-agent was recorded. */
const recordDir = process.env.LUO_AGENT_RECORD_DIR;

/** The same memfds, expected with every seed off by 8: what a kernel that corrupts them would look like. */
function wrongSeeds(spec: MemfdSpec): MemfdSpec {
  return { ...spec, entries: spec.entries.map((entry) => ({ ...entry, seed: entry.seed + 8n })) };
}

t.test('verify and carry with the wrong seed report where and how the data differs', async (t) => {
  const guest = await LiveGuest.boot(await testGuestSpec('luo-corrupt'));
  t.teardown(() => guest.close());
  // copyIn is how a selftest binary (or a developer's extra tool) gets in: bytes and mode must arrive intact.
  const payload = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 7) & 0xff));
  const hostDir = await mkdtemp(path.join(tmpdir(), 'luo-harness-copy-in-'));
  t.teardown(() => rm(hostDir, { recursive: true, force: true }));
  await writeFile(path.join(hostDir, 'payload'), payload, { mode: 0o600 });
  await writeFile(path.join(hostDir, 'tool'), '#!/bin/sh\necho tool ran\n', { mode: 0o755 });
  await guest.copyIn('/tmp/in', [path.join(hostDir, 'payload'), path.join(hostDir, 'tool')]);
  const sum = (await guest.check('sha256sum /tmp/in/payload; stat -c %a /tmp/in/payload; /tmp/in/tool')).stdout.split(/\s+/);
  t.equal(sum[0], createHash('sha256').update(payload).digest('hex'), 'a file copied in arrives byte for byte');
  t.equal(sum[2], '600', 'with its mode');
  t.equal(sum.slice(3, 5).join(' '), 'tool ran', 'and an executable runs');
  const agent = new LuoAgent(guest, async (step, run) => {
    if (recordDir) await writeFile(path.join(recordDir, `${step}.jsonl`), run.stdout);
  });
  const probe = await agent.probe();
  t.ok(probe.devLiveupdate && probe.memfdPreserve, 'the kernel under test preserves memfds');
  const spec: MemfdSpec = { session: 'corrupt', entries: [{ token: 1n, kind: 'addr', seed: 0x1000n, size: 64 * 1024 }] };
  const carried: MemfdSpec = {
    session: 'carried',
    entries: [
      { token: 1n, kind: 'addr', seed: 0x2000n, size: 64 * 1024 },
      { token: 2n, kind: 'prng', seed: 7n, size: 4096 },
    ],
  };
  await agent.prepare([spec, carried]);
  await guest.kexec();

  const result = await agent.verify([wrongSeeds(spec)]);
  t.equal(result.exitCode, 1, 'luo-agent exits 1 on a mismatch');
  const verified = result.verified[0];
  t.equal(verified?.ok, false, 'the memfd is reported as not intact');
  t.equal(verified?.mismatch?.firstBadOffset, 0, 'first bad byte at offset 0');
  t.equal(verified?.mismatch?.expected, 0x08, 'expected byte: (0 xor 0x1008) & 0xff');
  t.equal(verified?.mismatch?.found, 0x00, 'found byte: (0 xor 0x1000) & 0xff');
  t.equal(verified?.mismatch?.foundTagOf, 0x8n, 'the found word is the tag of offset 8 under the expected seed');
  t.match(verified?.problems, [/^\d+ bytes differ, first at 0x0: expected 0x08, found 0x00; the found word is the address tag of offset 0x8$/]);

  // The carry path must report the same kind of failure per memfd, and still carry the data on.
  const carry = await agent.carry(wrongSeeds(carried), 'carried-next', 1n);
  t.equal(carry.exitCode, 1, 'carry exits 1 on a mismatch');
  t.same(
    carry.verified.map((event) => [event.token, event.ok]),
    [
      [1n, false],
      [2n, false],
    ],
    'carry reports a verdict for each memfd',
  );
  t.same(carry.errors, [], 'no error: a mismatch is a verdict, not a failed call');
  t.ok(carry.ready?.sessions.includes('carried-next'), 'the memfds were carried on to the next session');
  const checks: { ok: boolean; message: string }[] = [];
  const recorder = { ok: (ok: boolean, message: string) => checks.push({ ok, message }), fail: (message: string) => checks.push({ ok: false, message }) };
  assertMemfdsIntact(recorder as unknown as Parameters<typeof assertMemfdsIntact>[0], [wrongSeeds(carried)], carry);
  t.same(
    checks.map((check) => check.ok),
    [false, false],
    'one failing check per memfd',
  );
  t.match(checks[0]?.message, /^\[memfd@carried\/1\] carried\/1 addr seed 8200 64K: \d+ bytes differ, first at 0x0: expected 0x08, found 0x00/);
  t.notMatch(checks.map((check) => check.message).join('\n'), /no error reported/);
  if (carry.ready) await agent.stopHolder(carry.ready);
});
