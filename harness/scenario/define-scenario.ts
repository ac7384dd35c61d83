// A scenario is one typed object: its manifest (what it is, what it needs prepared, which properties it judges, the
// shape of its facts) beside its body. The catalog, preparation, sharding, agreement, the report and the tests read
// manifests; only the scenario's own process runs the body.
import type { Test } from 'tap';
import * as v from 'valibot';
import type { LiveUpdateCapabilities } from '../checks/capabilities.ts';
import type { PropertyId } from '../results/properties.ts';
import type { ScenarioSession } from './session.ts';

/** Where a scenario stands in the catalog: `make list` and the summary go area by area, by name within one. */
export const areas = ['machine', 'kexec', 'luo', 'device', 'upstream'] as const;
export type Area = (typeof areas)[number];

/** What a run prepares before a scenario can run. */
export interface Needs {
  /** The kernel source's own live-update selftests, built on the host. */
  readonly selftests?: boolean;
  /** The kernel every kexec goes into: the run's next kernel, or the kernel under test with its memfd handler renamed. */
  readonly nextKernel?: 'run' | 'mismatch';
  /** At least this many vCPUs, whatever CPUS= says (an interrupt routed off CPU 0 needs a second one). */
  readonly cpus?: number;
  /**
   * An igb behind its own root port, when the QEMU has the device. Only the scenarios whose checks drive or
   * inspect it ask: under TCG every guest that carries it boots slower (its address spaces behind the IOMMU).
   */
  readonly igb?: boolean;
}

/** A property the scenario's checks speak to, and which of its check ids (`*` matches any text) do. */
export interface Judgement {
  readonly property: PropertyId;
  readonly checks: readonly string[];
}

/** The facts' shape: each fact is recorded as the scenario learns it, so every one may be missing. */
export type FactsShape = v.ObjectSchema<v.ObjectEntries, undefined>;
export type Facts<S extends FactsShape> = Partial<v.InferOutput<S>>;

export interface ScenarioManifest<S extends FactsShape = FactsShape> {
  /** The file's name without .ts (the catalog checks): what S= and the results folder call it. */
  readonly name: string;
  readonly description: string;
  readonly area: Area;
  readonly needs?: Needs;
  /** Whose verdicts its checks are: the harness's own, or the kernel's own selftests', reported by this scenario. */
  readonly judgedBy?: 'harness' | 'upstream';
  /** The properties compared with the other judge's verdicts (see harness/results/agreement.ts). */
  readonly judges?: readonly Judgement[];
  readonly facts: S;
  /** What `make bench` times against the kernel's own kexec selftest: it does what that selftest does. */
  readonly benchSubject?: boolean;
  /** It carries state across an update, so `make matrix` runs it for every ordered pair of kernel versions. */
  readonly acrossVersions?: boolean;
}

export interface Scenario<S extends FactsShape = FactsShape> {
  readonly manifest: ScenarioManifest<S>;
  readonly run: (t: Test, session: ScenarioSession<Facts<S>>) => Promise<void>;
}

/** A scenario module's default export: importing it defines the scenario, never runs it. */
export function defineScenario<S extends FactsShape>(scenario: Scenario<S>): Scenario<S> {
  return scenario;
}

/**
 * A fact kept as evidence for people (the report, summary.json): typed where the scenario records it, read back only
 * as far as being JSON of the right kind.
 */
export function evidence<T extends object>(): v.GenericSchema<T> {
  return v.custom<T>((value) => typeof value === 'object' && value !== null, 'recorded evidence (a JSON object or array)');
}

/** What the kernel can preserve, as probed: the fact every scenario that boots through memfd-checks records. */
export const capabilitiesFact = evidence<LiveUpdateCapabilities>();

/**
 * The facts a finished scenario recorded, checked against its manifest: a fact of the wrong shape, or one its
 * manifest does not declare, is an error here.
 */
export function factsOf<S extends FactsShape>(manifest: ScenarioManifest<S>, facts: unknown): Facts<S> {
  const result = v.safeParse(v.partial(v.strictObject(manifest.facts.entries)), facts);
  if (!result.success) {
    throw new Error(`${manifest.name}: facts do not match its manifest: ${result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return result.output;
}
