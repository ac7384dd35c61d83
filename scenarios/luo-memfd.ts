// luo-memfd: several sessions of memfds (up to 256 MiB, three patterns, sealed and not) survive a kexec byte for byte.
import { handoverOf, handoverShape, memfdOutcomes } from '../harness/checks/handover.ts';
import { parseLiveUpdateLog } from '../harness/checks/live-update-log.ts';
import { formatSize, type MemfdSpec } from '../harness/checks/pattern.ts';
import { assertMemfdsIntact, bootForMemfdPreservation } from '../harness/scenario/memfd-checks.ts';
import * as v from 'valibot';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { capabilitiesFact, defineScenario } from '../harness/scenario/define-scenario.ts';

const MiB = 1024 * 1024;
const plain: MemfdSpec[] = [
  { session: 'memfd-big', entries: [{ token: 1n, kind: 'prng', seed: 0x5eedn, size: 256 * MiB }] },
  {
    session: 'memfd-mixed',
    entries: [
      { token: 1n, kind: 'addr', seed: 0x7n, size: 4096 },
      { token: 2n, kind: 'walking', seed: 3n, size: MiB },
      { token: 3n, kind: 'prng', seed: 99n, size: 8 * MiB },
      { token: 0xfeedn, kind: 'addr', seed: 0xabcdefn, size: 64 * MiB },
    ],
  },
];
const sealed: MemfdSpec[] = [{ session: 'memfd-sealed', entries: [{ token: 7n, kind: 'prng', seed: 11n, size: 2 * MiB }] }];

export default defineScenario({
  manifest: {
    name: 'luo-memfd',
    description: 'memfds in several LUO sessions (4 KiB to 256 MiB, prng/walking/addr, sealed) verified byte for byte after kexec; FINISH; EINVAL/ENOENT on re-retrieve',
    area: 'luo',
    judges: [{ property: 'memfd-preservation', checks: ['memfd@*', 'bytes-verified', 'finish-all'] }],
    facts: v.object({ capabilities: capabilitiesFact, bytesVerified: v.record(v.string(), v.number()), handover: handoverShape }),
    acrossVersions: true,
  },
  async run(t, session) {
    const booted = await bootForMemfdPreservation(t, session, 'memfds preserved across kexec');
    if (!booted) return;
    const { guest, agent } = booted;

    await session.timeline.phase('prepare', async () => {
      await agent.prepare(plain);
      await agent.prepare(sealed, { seal: true });
    });
    const kexec = await guest.kexec();
    const { log } = kexec;
    assertCpusOnline(t, kexec);
    t.equal(log.liveupdateNumber, 1, '[liveupdate-number] new kernel retrieved live update data (liveupdate number 1)');

    const [plainResult, sealedResult] = await session.timeline.phase('verify', async () => [
      // --hold keeps the finished sessions open so that a second retrieve can be checked.
      await agent.verify(plain, { hold: true }),
      await agent.verify(sealed, { seal: true }),
    ]);
    const bytes = assertMemfdsIntact(t, plain, plainResult) + assertMemfdsIntact(t, sealed, sealedResult);
    const memfds = memfdOutcomes([...plain, ...sealed], [...plainResult.verified, ...sealedResult.verified]);
    // Whether the device still opens, and what the kernel said once asked for the data (LUO reads the handed-over
    // state at the first open), tells a kernel that refused the handover from one that lost it.
    const openErrno = memfds.unverified > 0 ? (await agent.probe()).openErrno : null;
    const said = memfds.unverified > 0 ? parseLiveUpdateLog(await guest.dmesg()) : log;
    session.facts.handover = handoverOf(await guest.kernelRelease(), said, memfds, openErrno, [...plainResult.errors, ...sealedResult.errors]);
    session.facts.bytesVerified = { gen1: bytes };
    t.ok(bytes >= 256 * MiB, `[bytes-verified] at least 256 MiB verified (${formatSize(bytes)})`);
    t.same([...plainResult.finished, ...sealedResult.finished].sort(), ['memfd-big', 'memfd-mixed', 'memfd-sealed'], '[finish-all] FINISH succeeded for every session');

    const again = await agent.retrieve('memfd-big');
    t.equal(again.errno, 'EINVAL', `[retrieve-again-einval] a second RETRIEVE_SESSION of a retrieved session fails with EINVAL (got ${again.errno ?? 'success'})`);
    const unknown = await agent.retrieve('no-such-session');
    t.equal(unknown.errno, 'ENOENT', `[retrieve-unknown-enoent] RETRIEVE_SESSION of an unknown name fails with ENOENT (got ${unknown.errno ?? 'success'})`);
    if (plainResult.holder) await agent.stopHolder(plainResult.holder);
  },
});
