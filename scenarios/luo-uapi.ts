// luo-uapi: the LUO uAPI's answers to misuse before any kexec, each as kernel/liveupdate documents it; the same
// contracts upstream's `liveupdate` selftest checks, judged here independently (the run compares the two).
import * as v from 'valibot';
import { capabilitiesFact, defineScenario } from '../harness/scenario/define-scenario.ts';
import { bootForMemfdPreservation } from '../harness/scenario/memfd-checks.ts';

export default defineScenario({
  manifest: {
    name: 'luo-uapi',
    description:
      "the LUO uAPI's answers to misuse, one verdict each: a second opener EBUSY, a duplicate session EEXIST, bad names and short arguments EINVAL, an unsupported or bad fd ENOENT/EBADF, a token or a memfd used twice EEXIST/EBUSY",
    area: 'luo',
    judges: [{ property: 'luo-uapi', checks: ['uapi@*', 'uapi-complete'] }],
    facts: v.object({ capabilities: capabilitiesFact, answers: v.record(v.string(), v.nullable(v.string())) }),
  },
  async run(t, session) {
    const booted = await bootForMemfdPreservation(t, session, 'the LUO uAPI answers misuse as documented');
    if (!booted) return;
    const { cases, run, errors } = await booted.agent.uapi();
    session.facts.answers = Object.fromEntries(cases.map((answer) => [answer.case, answer.errno]));
    for (const answer of cases) {
      const documented = `${answer.case}: ${answer.expected ?? 'success'} documented`;
      t.ok(answer.ok, `[uapi@${answer.case}] ${answer.ok ? `${documented} and answered` : `${documented}; ${answer.problems.join('; ')}`}`);
    }
    // A case the helper could not set up reports an error instead of a verdict: it is not a pass.
    t.ok(errors === '' && (run.exitCode === 0 || cases.some((answer) => !answer.ok)), `[uapi-complete] every case ran (${cases.length} cases, exit ${run.exitCode}${errors ? `; ${errors}` : ''})`);
  },
});
