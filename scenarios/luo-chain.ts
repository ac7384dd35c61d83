// luo-chain: three kexecs in one QEMU; each generation verifies the last one's data, changes it, preserves it again.
import type { MemfdSpec } from '../harness/checks/pattern.ts';
import { assertMemfdsIntact, bootForMemfdPreservation } from '../harness/scenario/memfd-checks.ts';
import * as v from 'valibot';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { capabilitiesFact, defineScenario } from '../harness/scenario/define-scenario.ts';

const MiB = 1024 * 1024;
const generations = 3;

/** The data generation `index` must find: the first seeds plus one per carry. */
function chainSpec(index: number): MemfdSpec {
  const shift = BigInt(index);
  return {
    session: `chain-${index}`,
    entries: [
      { token: 1n, kind: 'prng', seed: 100n + shift, size: 16 * MiB },
      { token: 2n, kind: 'addr', seed: 0x200n + shift, size: 4 * MiB },
      { token: 3n, kind: 'walking', seed: 5n + shift, size: 64 * 1024 },
    ],
  };
}

export default defineScenario({
  manifest: {
    name: 'luo-chain',
    description:
      'three kexecs in a row, into the next kernel, back and into it again: each generation retrieves, verifies, reseeds and re-preserves; liveupdate number and KHO exec count advance by one',
    area: 'luo',
    acrossVersions: true,
    facts: v.object({ capabilities: capabilitiesFact, bytesVerified: v.record(v.string(), v.number()), releases: v.record(v.string(), v.string()) }),
  },
  async run(t, session) {
    const booted = await bootForMemfdPreservation(t, session, 'memfds carried across three kexecs');
    if (!booted) return;
    const { guest, agent } = booted;

    await agent.prepare([chainSpec(0)]);
    const bytesPerGeneration: Record<string, number> = {};
    const releases: Record<string, string> = { gen0: await guest.kernelRelease() };
    for (let generation = 1; generation <= generations; generation++) {
      // Upgrade, rollback, upgrade: with a next kernel of another version the chain goes back and forth between the two.
      const kexec = await guest.kexec({ into: generation % 2 === 1 ? 'next' : 'first' });
      const { log } = kexec;
      releases[`gen${generation}`] = await guest.kernelRelease();
      assertCpusOnline(t, kexec);
      t.equal(log.liveupdateNumber, generation, `[liveupdate-number@gen${generation}] generation ${generation}: liveupdate number ${generation} (got ${log.liveupdateNumber ?? 'none'})`);
      t.equal(log.execFrom?.count, generation, `[kho-exec-count@gen${generation}] generation ${generation}: KHO exec count ${generation} (got ${log.execFrom?.count ?? 'none'})`);
      const previous = chainSpec(generation - 1);
      const result =
        generation < generations ? await agent.carry(previous, chainSpec(generation).session, 1n) : await agent.verify([previous]);
      bytesPerGeneration[`gen${generation}`] = assertMemfdsIntact(t, [previous], result);
      t.same(result.finished, [previous.session], `[finish@gen${generation}] generation ${generation}: FINISH of ${previous.session}`);
    }
    session.facts.bytesVerified = bytesPerGeneration;
    session.facts.releases = releases;
  },
});
