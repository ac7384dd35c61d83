// A corrupted memfd reaches the verdict on every path that verifies data: LuoAgent.verify and LuoAgent.carry hand
// luo-agent's per-memfd verdicts to assertMemfdsIntact, which fails each bad memfd with luo-agent's own words.
// Recordings: test/fixtures/luo-agent/README.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import t from 'tap';
import type { MemfdSpec } from '../../harness/checks/pattern.ts';
import { LuoAgent } from '../../harness/guest/luo-agent.ts';
import { assertMemfdsIntact } from '../../harness/scenario/memfd-checks.ts';
import { ReplayingGuest } from '../support/replaying-guest.ts';

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'luo-agent');

/** A LuoAgent whose guest answers every command with one recording and exit status. */
function agentReplaying(name: string, exitCode: number): LuoAgent {
  const stdout = readFileSync(path.join(fixtureDir, `${name}.jsonl`), 'utf8');
  return new LuoAgent(new ReplayingGuest({ stdout, exitCode }), async () => undefined);
}

/** The checks assertMemfdsIntact makes, collected instead of reported. */
function collectChecks(specs: readonly MemfdSpec[], result: Parameters<typeof assertMemfdsIntact>[2]): { ok: boolean; message: string }[] {
  const checks: { ok: boolean; message: string }[] = [];
  const collector = {
    ok: (ok: boolean, message: string) => checks.push({ ok, message }),
    fail: (message: string) => checks.push({ ok: false, message }),
  };
  assertMemfdsIntact(collector as unknown as Test, specs, result);
  return checks;
}

// The integration test's memfds, expected with every seed off by 8 (test/integration/luo-agent.test.ts).
const carried: MemfdSpec = {
  session: 'carried',
  entries: [
    { token: 1n, kind: 'addr', seed: 0x2008n, size: 64 * 1024 },
    { token: 2n, kind: 'prng', seed: 15n, size: 4096 },
  ],
};
const corrupt: MemfdSpec = { session: 'corrupt', entries: [{ token: 1n, kind: 'addr', seed: 0x1008n, size: 64 * 1024 }] };

void t.test('carry: each corrupted memfd is its own failing check, with the mismatch', async (t) => {
  const result = await agentReplaying('carry-carried-to-carried-next', 1).carry(carried, 'carried-next', 1n);
  t.equal(result.ready?.sessions[0], 'carried-next', 'the memfds were carried on all the same');
  const checks = collectChecks([carried], result);
  t.same(
    checks.map((check) => check.ok),
    [false, false],
  );
  t.match(checks[0]?.message, /^\[memfd@carried\/1\] carried\/1 addr seed 8200 64K: 8192 bytes differ, first at 0x0: expected 0x08, found 0x00; the found word is the address tag of offset 0x8$/);
  t.match(checks[1]?.message, /^\[memfd@carried\/2\] carried\/2 prng seed 15 4K: \d+ bytes differ, first at 0x\w+: expected 0x\w\w, found 0x\w\w$/);
  t.notMatch(checks[1]?.message, /tag/, 'prng data names no source');
});

void t.test('verify: the same words', async (t) => {
  const result = await agentReplaying('verify-corrupt', 1).verify([corrupt]);
  const checks = collectChecks([corrupt], result);
  t.same(
    checks.map((check) => check.ok),
    [false],
  );
  t.match(checks[0]?.message, /^\[memfd@corrupt\/1\] corrupt\/1 addr seed 4104 64K: 8192 bytes differ, first at 0x0: expected 0x08, found 0x00; the found word is the address tag of offset 0x8$/);
});

void t.test('an intact memfd passes, and an error no memfd shows is a failing check of its own', async (t) => {
  const intact = { ...carried, entries: carried.entries.map((entry) => ({ ...entry, seed: entry.seed - 8n })) };
  const result = await agentReplaying('carry-carried-to-carried-next', 1).carry(carried, 'carried-next', 1n);
  const clean = {
    ...result,
    verified: result.verified.map((event) => ({ ...event, ok: true, problems: [], badBytes: 0, mismatch: undefined })),
    errors: ['LIVEUPDATE_SESSION_PRESERVE_FD: session carried-next, token 1: Device or resource busy (EBUSY)'],
  };
  const checks = collectChecks([intact], clean);
  t.same(
    checks.map((check) => check.ok),
    [true, true, false],
  );
  t.match(checks[2]?.message, /^\[helper-errors@[\w+-]+\] luo-agent carry .*: LIVEUPDATE_SESSION_PRESERVE_FD: .*\(EBUSY\)$/);
});

void t.test('a memfd with no verdict fails with the errors that explain it', async (t) => {
  const result = await agentReplaying('verify-corrupt', 1).verify([corrupt]);
  const lost = { ...result, verified: [], errors: ['LIVEUPDATE_SESSION_RETRIEVE_FD: session corrupt, token 1: No such file or directory (ENOENT)'] };
  const checks = collectChecks([corrupt], lost);
  t.same(
    checks.map((check) => [check.ok, check.message]),
    [[false, '[memfd@corrupt/1] corrupt/1 addr seed 4104 64K: not verified (LIVEUPDATE_SESSION_RETRIEVE_FD: session corrupt, token 1: No such file or directory (ENOENT))']],
  );
});
