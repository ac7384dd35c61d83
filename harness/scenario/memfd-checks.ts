// Memfd scenarios' shared steps: boot gated on memfd preservation, and one verdict per preserved memfd.
import type { Test } from 'tap';
import { formatSize, type MemfdSpec } from '../checks/pattern.ts';
import { liveUpdateCapabilities, type LiveUpdateCapabilities } from '../checks/capabilities.ts';
import type { LiveGuest } from '../guest/live-guest.ts';
import type { LuoAgent, VerifyResult } from '../guest/luo-agent.ts';
import { gate } from './gate.ts';
import type { ScenarioSession } from './session.ts';

/**
 * One check per memfd of every spec, passing exactly when luo-agent judged it intact (its problems say why not), and
 * one more failing check for errors no memfd's check showed. Returns the number of bytes verified.
 */
export function assertMemfdsIntact(t: Test, specs: readonly MemfdSpec[], result: VerifyResult): number {
  const errors = result.errors.join('; ');
  let bytes = 0;
  let errorsShown = false;
  for (const spec of specs) {
    for (const entry of spec.entries) {
      const label = `[memfd@${spec.session}/${entry.token}] ${spec.session}/${entry.token} ${entry.kind} seed ${entry.seed} ${formatSize(entry.size)}`;
      const verified = result.verified.find((event) => event.session === spec.session && event.token === entry.token);
      if (!verified) {
        t.fail(`${label}: not verified (${errors || `${result.command} exited ${result.exitCode}`})`);
        errorsShown = true;
        continue;
      }
      bytes += verified.bytesChecked;
      t.ok(verified.ok, `${label}: ${verified.ok ? `${verified.bytesChecked} bytes, size, seals and position intact` : verified.problems.join('; ')}`);
    }
  }
  if (errors && !errorsShown) t.fail(`[helper-errors@${specs.map((spec) => spec.session).join('+')}] ${result.command}: ${errors}`);
  return bytes;
}

/** Boot and probe; when the kernel cannot preserve memfds, record a skip (lacks it) or failure (broken) and return undefined. */
export async function bootForMemfdPreservation(
  t: Test,
  session: ScenarioSession<{ capabilities?: LiveUpdateCapabilities }>,
  check: string,
): Promise<{ guest: LiveGuest; agent: LuoAgent } | undefined> {
  const guest = await session.boot();
  const agent = guest.luo;
  const capabilities = liveUpdateCapabilities(await agent.probe(), session.context.kernel.options);
  session.facts.capabilities = capabilities;
  return gate(t, capabilities.memfd, check) ? { guest, agent } : undefined;
}
