// Sum tap's per-run totals and the typecheck/lint steps into one "N passed, N failed" line.
import { readFileSync } from 'node:fs';

const [logFile, makeStatus] = process.argv.slice(2);
const log = readFileSync(logFile, 'utf8');
let passed = 0;
let failed = 0;
for (const match of log.matchAll(/^# \{ total: \d+(?:, pass: (\d+))?(?:, fail: (\d+))?[^}]*\}$/gm)) {
  passed += Number(match[1] ?? 0);
  failed += Number(match[2] ?? 0);
}
// make prints "Error" lines for each failed recipe; steps without tap totals (typecheck, lint, workflows) count here.
for (const step of ['typecheck', 'lint', 'workflows']) {
  if (new RegExp(`\\[Makefile:\\d+: ${step}\\] Error`).test(log)) failed += 1;
  else passed += 1;
}
if (Number(makeStatus) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(Number(makeStatus) === 0 && failed === 0 ? 0 : 1);
