// Agreement between the kernel's own selftests and the harness's own scenarios on the same kernel: for each property
// both judge (harness/results/properties.ts), "works" or "broken" on each side, from the checks each scenario's manifest
// says speak to it. A property one side finds working and the other broken is a disagreement, and fails the run with
// both sides named.
import type { ScenarioManifest } from '../scenario/define-scenario.ts';
import { properties, type PropertyId } from './properties.ts';
import type { ScenarioResult } from './summary.ts';
import { wildcardMatches } from '../util/wildcard.ts';

type Side = 'works' | 'broken' | 'not judged';

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

/** Each outcome of the run that speaks to a property, by judge: `[check, verdict]`. */
function outcomesOf(property: PropertyId, judge: 'harness' | 'upstream', ran: readonly { result: ScenarioResult; manifest: ScenarioManifest }[]): [string, string][] {
  return ran
    .filter(({ manifest }) => (manifest.judgedBy ?? 'harness') === judge)
    .flatMap(({ result, manifest }) => {
      const patterns = (manifest.judges ?? []).filter((judgement) => judgement.property === property).flatMap((judgement) => judgement.checks);
      // Upstream's cases are named as upstream names them; the harness's checks with their scenario.
      const label = (id: string) => (judge === 'upstream' ? id : `${result.name}/${id}`);
      return result.points.filter((point) => patterns.some((pattern) => wildcardMatches(pattern, point.id))).map((point): [string, string] => [label(point.id), point.status]);
    });
}

/**
 * Compare, when an upstream judge ran and judged something; undefined otherwise (no upstream scenario in the run, or
 * one that skipped as a whole). Scenarios are matched to their manifests by name.
 */
export function compareWithUpstream(scenarios: readonly ScenarioResult[], manifests: readonly ScenarioManifest[]): Agreement | undefined {
  const ran = scenarios.flatMap((result) => {
    const manifest = manifests.find((candidate) => candidate.name === result.name);
    return manifest ? [{ result, manifest }] : [];
  });
  if (!ran.some(({ manifest }) => manifest.judgedBy === 'upstream')) return undefined;
  const comparisons: Comparison[] = [];
  for (const property of Object.keys(properties) as PropertyId[]) {
    const harness = outcomesOf(property, 'harness', ran);
    if (harness.length === 0) continue;
    const upstream = outcomesOf(property, 'upstream', ran);
    const ordered = (outcomes: [string, string][]) => [...outcomes].sort(([, a], [, b]) => Number(b === 'fail') - Number(a === 'fail')).map(([id, verdict]) => `${id}: ${verdict}`);
    comparisons.push({ property: properties[property], upstream: side(upstream), harness: side(harness), evidence: { upstream: ordered(upstream), harness: ordered(harness) } });
  }
  if (comparisons.every((comparison) => comparison.upstream === 'not judged')) return undefined;
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
