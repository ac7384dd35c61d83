// luo-mismatch: kexec into a kernel whose memfd handler has another compatible string; it must fail loudly.
import { classifyMismatch, type MismatchObservation } from '../harness/checks/mismatch-outcome.ts';
import type { MemfdSpec } from '../harness/checks/pattern.ts';
import { bootForMemfdPreservation } from '../harness/scenario/memfd-checks.ts';
import * as v from 'valibot';
import { capabilitiesFact, defineScenario } from '../harness/scenario/define-scenario.ts';

const specs: MemfdSpec[] = [{ session: 'mismatch', entries: [{ token: 1n, kind: 'prng', seed: 0x3a7n, size: 1024 * 1024 }] }];

export default defineScenario({
  manifest: {
    name: 'luo-mismatch',
    description: 'memfds preserved, kexec into the same source with the memfd handler renamed: panic naming the mismatch or /dev/liveupdate unusable, data unreachable',
    area: 'luo',
    needs: { nextKernel: 'mismatch' },
    facts: v.object({
      capabilities: capabilitiesFact,
      secondOpenErrno: v.nullable(v.string()),
      mismatchOutcome: v.object({
        nextKernel: v.string(),
        outcome: v.string(),
        device: v.optional(v.string()),
        named: v.optional(v.string()),
        evidence: v.array(v.string()),
      }),
    }),
  },
  async run(t, session) {
    const { kernel, nextKernel } = session.context;
    if (nextKernel.identity === kernel.identity) {
      t.pass('[mismatch-kernel] kexec into a kernel with the memfd handler renamed', { skip: 'the kernel under test was not built from the default source (KERNEL/KERNEL_SRC): no mismatch kernel to build' });
      return;
    }
    t.comment(`next kernel: ${nextKernel.identity}`);
    const booted = await bootForMemfdPreservation(t, session, 'memfds preserved for a mismatching next kernel');
    if (!booted) return;
    const { guest, agent } = booted;

    await session.timeline.phase('prepare', () => agent.prepare(specs));
    const kexec = await guest.kexecOrFailure();
    let observed: MismatchObservation;
    if (kexec.ended === 'booted') {
      const probe = await agent.probe();
      const retrieved: Record<string, string | null> = {};
      // Only an opened device can be asked for a session; a failing open already makes the data unreachable.
      if (probe.openErrno === null) for (const spec of specs) retrieved[spec.session] = (await agent.retrieve(spec.session)).errno;
      observed = { kexec: 'booted', openErrno: probe.openErrno, retrieved, dmesg: await guest.dmesg() };
      // Whether the failure sticks: LUO keeps the first deserialization's error for every later open.
      session.facts.secondOpenErrno = (await agent.probe()).openErrno;
    } else {
      t.comment(kexec.message);
      observed = { kexec: kexec.ended, serial: kexec.serial };
    }

    const verdict = classifyMismatch(observed);
    session.facts.mismatchOutcome = { nextKernel: nextKernel.identity, outcome: verdict.outcome, device: verdict.device, named: verdict.named, evidence: [...verdict.evidence] };
    t.comment(`the next kernel chose: ${verdict.outcome}${verdict.device ? ` (/dev/liveupdate: ${verdict.device})` : ''}`);
    for (const line of verdict.evidence) t.comment(`  ${line}`);
    t.ok(
      verdict.outcome === 'panicked' || verdict.outcome === 'maintenance',
      `[mismatch-loud] the next kernel panicked or came up with /dev/liveupdate unusable (got ${verdict.outcome}${verdict.device ? `, /dev/liveupdate ${verdict.device}` : ''})`,
    );
    if (observed.kexec === 'booted') {
      const handed = Object.entries(observed.retrieved).filter(([, errno]) => errno === null).map(([name]) => name);
      t.same(handed, [], `[mismatch-data-unreachable] no preserved session is handed back (open: ${observed.openErrno ?? 'ok'})`);
    }
    t.ok(verdict.acceptable, `[mismatch-evidence] the kernel log names the mismatch (${verdict.named ?? 'no such line'})`);
  },
});
