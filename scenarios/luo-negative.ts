// luo-negative: what must not survive does not: a closed session, a kexec without KHO, a next kernel with LUO off.
import * as v from 'valibot';
import type { LiveUpdateLog } from '../harness/checks/live-update-log.ts';
import type { MemfdSpec } from '../harness/checks/pattern.ts';
import type { LuoRetrieveEvent } from '../harness/guest/luo-agent-output.ts';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { capabilitiesFact, defineScenario, evidence } from '../harness/scenario/define-scenario.ts';
import { assertMemfdsIntact, bootForMemfdPreservation } from '../harness/scenario/memfd-checks.ts';

/** What each negative case saw: the kernel's answer, or the new kernel's live-update log. */
interface NegativeOutcomes {
  closedSession?: LuoRetrieveEvent;
  withoutKho?: LiveUpdateLog;
  liveupdateOff?: LiveUpdateLog;
}

const memfd = (session: string, seed: bigint): MemfdSpec => ({ session, entries: [{ token: 1n, kind: 'addr', seed, size: 1024 * 1024 }] });

export default defineScenario({
  manifest: {
    name: 'luo-negative',
    description: 'negative cases, one verdict each: a session closed before kexec is gone; kexec -l (no KHO) carries nothing; liveupdate=off has no /dev/liveupdate',
    area: 'luo',
    facts: v.object({ capabilities: capabilitiesFact, outcomes: evidence<NegativeOutcomes>() }),
  },
  async run(t, session) {
    const booted = await bootForMemfdPreservation(t, session, 'negative live-update cases');
    if (!booted) return;
    const { guest, agent } = booted;
    const outcomes: NegativeOutcomes = {};
    session.facts.outcomes = outcomes;

    await t.test('[closed-session] a session closed before kexec is absent after it', async (t) => {
      const kept = memfd('neg-kept', 1n);
      await agent.prepare([kept, memfd('neg-closed', 2n)], { close: ['neg-closed'] });
      assertCpusOnline(t, await guest.kexec());
      const closed = await agent.retrieve('neg-closed');
      outcomes.closedSession = closed;
      t.equal(closed.errno, 'ENOENT', `[closed-session-gone] RETRIEVE_SESSION neg-closed fails with ENOENT (got ${closed.errno ?? 'success'})`);
      // Control: the same kexec did carry the session that stayed open, so the absence above means something.
      assertMemfdsIntact(t, [kept], await agent.verify([kept]));
    });

    await t.test('[kexec-without-kho] a kexec without KHO (kexec -l, no -s) hands over nothing', async (t) => {
      const lost = memfd('neg-nokho', 3n);
      await agent.prepare([lost]);
      const kexec = await guest.kexec({ fileLoad: false });
      const { log } = kexec;
      assertCpusOnline(t, kexec);
      outcomes.withoutKho = log;
      t.notOk(log.khoFound, '[no-kho-no-handover] no "KHO: found kexec handover data"');
      t.equal(log.liveupdateNumber, undefined, '[no-kho-no-liveupdate-number] no "liveupdate number" line');
      const retrieve = await agent.retrieve('neg-nokho');
      t.equal(retrieve.errno, 'ENOENT', `[no-kho-session-gone] the session prepared before is absent (got ${retrieve.errno ?? 'success'})`);
    });

    await t.test('[liveupdate-off] a next kernel booted with liveupdate=off has no /dev/liveupdate', async (t) => {
      await agent.prepare([memfd('neg-off', 4n)]);
      const kexec = await guest.kexec({ liveupdate: false });
      const { log } = kexec;
      assertCpusOnline(t, kexec);
      outcomes.liveupdateOff = log;
      t.match(await guest.commandLine(), /liveupdate=off/, '[liveupdate-off-cmdline] the new kernel runs with liveupdate=off');
      t.notOk(await guest.hasLiveUpdateDevice(), '[liveupdate-off-no-device] /dev/liveupdate does not exist');
      // 7.3 still parses the incoming LUO state with liveupdate=off (luo_early_startup does not look at the flag);
      // the sessions are then unreachable. Say what happened rather than assert a promise nobody made.
      t.comment(
        log.liveupdateNumber === undefined
          ? 'LUO did not parse incoming state'
          : `LUO still parsed the incoming state (liveupdate number ${log.liveupdateNumber}); its sessions are unreachable without /dev/liveupdate`,
      );
    });
  },
});
