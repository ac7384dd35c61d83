// The process one scenario runs in, started by the run with its context file: the guest starts booting at once, tap
// and the scenario's module load meanwhile, the body runs as tap's root test, and the evidence is written on every
// path. SIGINT or SIGTERM aborts every machine (each pending wait ends with an InterruptedError), so the body ends,
// finish() still writes the evidence, and the process exits with ExitCode.interrupted.
import { errorRecord, ExitCode, InterruptedError } from '../errors.ts';
import { abortLiveMachines } from '../vm/registry.ts';
import { contextFromEnvironment, contextVariable } from './context.ts';
import type { Scenario } from './define-scenario.ts';
import { keepGuests } from './keep-guests.ts';
import { ScenarioSession } from './session.ts';

const context = contextFromEnvironment();
if (!context) {
  process.stderr.write(`no ${contextVariable}: run scenarios through the harness (make scenario S=<name>), which builds the kernel and image first\n`);
  process.exit(ExitCode.badInput);
}
const session = new ScenarioSession(context);
let interrupted: InterruptedError | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  interrupted ??= new InterruptedError(`${signal} received: the scenario was stopped before it finished`);
  void abortLiveMachines(interrupted);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
session.startBoot();
const [{ default: t }, module] = await Promise.all([import('tap'), import(context.scenarioModule) as Promise<{ default?: Scenario }>]);
let failure: unknown;
try {
  const scenario = module.default;
  if (scenario?.manifest.name !== context.scenario) throw new Error(`${context.scenarioModule} does not define scenario ${context.scenario} (export default defineScenario({...}))`);
  await scenario.run(t, session);
} catch (error) {
  failure = error;
  const { code, message, detail } = errorRecord(error);
  t.fail(`${code}: ${message}`, { diagnostic: true, artifacts: session.artifactDir, detail });
} finally {
  if (context.keep && !interrupted && (failure !== undefined || !t.passing())) await keepGuests(session.guests, (line) => t.comment(line));
  await session.finish(failure ?? interrupted);
  if (interrupted) process.exitCode = ExitCode.interrupted;
}
