// pci-config: every device's config-space identity survives a kexec; QEMU's record of what the kernels wrote
// to the devices no driver claims is reported.
import { deviceIdentity, identityChanges } from '../harness/checks/device-identity.ts';
import * as v from 'valibot';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { defineScenario } from '../harness/scenario/define-scenario.ts';

export default defineScenario({
  manifest: {
    name: 'pci-config',
    description: 'config-space identity (IDs, class, BDF, BAR sizes) of every PCI device stable across kexec; config writes to unclaimed devices reported',
    area: 'device',
    needs: { igb: true },
    facts: v.object({ unclaimedDeviceWrites: v.array(v.object({ bdf: v.string(), writes: v.number(), registers: v.array(v.string()) })) }),
  },
  async run(t, session) {
    const guest = await session.boot();
    const kexec = await guest.kexecWithConfigEvidence();
    const { before, after, audit } = kexec.config;
    assertCpusOnline(t, kexec);

    t.same(after.map((device) => device.bdf), before.map((device) => device.bdf), `[same-devices] the same ${before.length} devices at the same BDFs`);
    for (const old of before) {
      const now = after.find((device) => device.bdf === old.bdf);
      if (!now) continue;
      const changes = identityChanges(deviceIdentity(old), deviceIdentity(now));
      t.same(changes, [], `[identity@${old.bdf}] ${old.bdf}: IDs, class, header type and BAR sizes unchanged${changes.length ? ` (${changes.join('; ')})` : ''}`);
    }

    const unclaimed = before.filter((device) => device.driver === null).map((device) => device.bdf);
    const report = unclaimed.map((bdf) => {
      const device = audit.inWindow.find((entry) => entry.bdf === bdf);
      return { bdf, writes: device?.counts.writes ?? 0, registers: [...new Set(device?.writes.map((write) => write.register) ?? [])] };
    });
    session.facts.unclaimedDeviceWrites = report;
    for (const entry of report) {
      t.comment(`${entry.bdf} (no driver): ${entry.writes} config writes in the kexec window${entry.registers.length ? `: ${entry.registers.join(', ')}` : ''}`);
    }
    t.ok(unclaimed.length > 0, `[write-audit] write audit recorded for the ${unclaimed.length} devices no driver claims (config/writes-kexec-window.txt)`);
  },
});
