// Agreement between the kernel's own selftests (scenario kselftest, its `upstream` fact) and the harness's own
// scenarios on the same kernel: for each property both judge, "works" or "broken" on each side. A property one side
// finds working and the other broken is a disagreement, and fails the run with both sides named.
import type { ScenarioResult } from './summary.ts';

type Side = 'works' | 'broken' | 'not judged';

/** A property both judge: which upstream cases and which harness checks speak to it. */
interface Property {
  readonly name: string;
  /** Upstream case ids (as in the kselftest scenario's `upstream` fact) that judge it. */
  readonly upstream: RegExp;
  /** The harness scenarios, and the check ids in each that judge it (all of its checks when absent). */
  readonly harness: readonly { readonly scenario: string; readonly checks?: RegExp }[];
}

const properties: readonly Property[] = [
  {
    name: 'memfds preserved across a kexec',
    upstream: /^upstream\/(luo_kexec_simple|luo_multi_session|luo_stress_sessions|luo_stress_files)\//,
    harness: [{ scenario: 'luo-memfd', checks: /^(memfd@|bytes-verified|finish-all)/ }],
  },
  {
    name: 'the LUO uAPI answers as documented (sessions, retrieve, finish, errors)',
    upstream: /^upstream\/liveupdate\//,
    harness: [{ scenario: 'luo-memfd', checks: /^(retrieve-again-einval|retrieve-unknown-enoent|finish-all)$/ }, { scenario: 'luo-negative' }],
  },
  {
    name: 'a VFIO device retrieved and finished after a kexec',
    upstream: /^upstream\/vfio_pci_liveupdate_kexec_test\//,
    harness: [{ scenario: 'vfio-edu', checks: /^(retrieve-session|retrieve-device|bind-iommufd|finish)$/ }],
  },
];

export interface Comparison {
  readonly property: string;
  readonly upstream: Side;
  readonly harness: Side;
  /** The cases and checks behind each side's answer, failing ones first. */
  readonly evidence: { readonly upstream: readonly string[]; readonly harness: readonly string[] };
}

export interface Agreement {
  readonly agree: boolean;
  readonly comparisons: readonly Comparison[];
}

function side(outcomes: readonly [string, string][]): Side {
  const judged = outcomes.filter(([, verdict]) => verdict === 'pass' || verdict === 'fail');
  if (judged.length === 0) return 'not judged';
  return judged.some(([, verdict]) => verdict === 'fail') ? 'broken' : 'works';
}

/** Compare, when the run has upstream verdicts; undefined when it does not (no kselftest scenario ran). */
export function compareWithUpstream(scenarios: readonly ScenarioResult[]): Agreement | undefined {
  const upstreamFact = scenarios.find((scenario) => scenario.name === 'kselftest')?.facts.upstream as Record<string, string> | undefined;
  if (!upstreamFact) return undefined;
  const comparisons: Comparison[] = [];
  for (const property of properties) {
    const harness = property.harness.flatMap(({ scenario: name, checks }) =>
      (scenarios.find((scenario) => scenario.name === name)?.points ?? [])
        .filter((point) => !checks || checks.test(point.id))
        .map((point): [string, string] => [`${name}/${point.id}`, point.status]),
    );
    if (harness.length === 0) continue;
    const upstream = Object.entries(upstreamFact).filter(([id]) => property.upstream.test(id));
    const ordered = (outcomes: [string, string][]) => [...outcomes].sort(([, a], [, b]) => Number(b === 'fail') - Number(a === 'fail')).map(([id, verdict]) => `${id}: ${verdict}`);
    comparisons.push({ property: property.name, upstream: side(upstream), harness: side(harness), evidence: { upstream: ordered(upstream), harness: ordered(harness) } });
  }
  const disagree = (comparison: Comparison) => comparison.upstream !== 'not judged' && comparison.harness !== 'not judged' && comparison.upstream !== comparison.harness;
  return { agree: !comparisons.some(disagree), comparisons };
}

/** One line per disagreement, naming both sides and the first piece of evidence of each. */
export function describeDisagreements(agreement: Agreement): string[] {
  return agreement.comparisons
    .filter((comparison) => comparison.upstream !== 'not judged' && comparison.harness !== 'not judged' && comparison.upstream !== comparison.harness)
    .map(
      (comparison) =>
        `${comparison.property}: upstream selftests say ${comparison.upstream} (${comparison.evidence.upstream[0] ?? '-'}), the harness says ${comparison.harness} (${comparison.evidence.harness[0] ?? '-'})`,
    );
}
