// `make scenario` then `make report` as documented: the run's HTML report rendered in headless Chromium shows the
// timeline, the register diff and the write audit; `make scenario REPRO=` reruns it with the same seed.
import { mkdtemp, readFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import t from 'tap';
import { repoRoot } from '../../harness/util/paths.ts';
import { withPage } from '../support/browser.ts';

const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-report-'));
const make = (args: string[], variables: Record<string, string>) =>
  execa('make', ['--no-print-directory', ...args], { cwd: repoRoot, env: { RESULTS: results, ...variables }, reject: false, timeout: 30 * 60_000 });

const first = await make(['scenario'], { S: 'pci-config' });
const runDir = await realpath(path.join(results, 'latest'));

t.test('make scenario writes the report and prints its path', async (t) => {
  t.equal(first.exitCode, 0, first.stderr.slice(-2000));
  t.match(first.stdout, new RegExp(`report: ${runDir}/index.html`));
  const report = await make(['report'], {});
  t.equal(report.exitCode, 0);
  t.match(report.stdout, new RegExp(`report: ${runDir}/index.html`));
});

t.test('the report renders the timeline, the config diff, the write audit and working links, offline', async (t) => {
  await withPage(async (page) => {
    const remote: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) remote.push(request.url());
    });
    await page.goto(pathToFileURL(path.join(results, 'latest', 'index.html')).href);
    t.match(await page.title(), /luo-harness run .*: PASS/);
    const summary = page.locator('table.summary tbody tr');
    t.equal(await summary.count(), 1);
    t.match(await summary.first().innerText(), /pci-config\s+pass/);

    const phases = await page.locator('#scenario-pci-config ~ table.timeline').first().innerText();
    t.match(phases, /boot-to-ssh/, 'timeline has the boot');
    t.match(phases, /kexec-to-ssh/, 'timeline has the kexec blackout');
    t.ok(await page.locator('table.timeline .bar').count() >= 3, 'phases drawn as bars');
    t.match(await page.locator('table.kexecs').first().innerText(), /^1\s+[\d.]+ s\s+[\d.]+ s/m, 'kexec 1 with load and blackout times');

    const diff = await page.locator('pre.diff').first().innerText();
    t.match(diff, /0000:00:0[45]\.0/, 'the diff names devices');
    const audit = page.locator('table.audit').first();
    t.ok(await audit.isVisible(), 'write audit table rendered');
    const auditText = await audit.innerText();
    t.match(auditText, /kexec window|rest of run/, 'writes attributed to the kexec window or the rest of the run');
    t.match(auditText, /Command|BAR\d|MSI/, 'registers named');

    t.ok(await page.locator('table.checks code').count() > 0, 'checks listed with their ids');
    const serial = page.locator('p.serial a[href="pci-config/serial-gen1.log"]');
    await serial.click();
    t.match(await page.locator('body').innerText(), /Linux version/, 'the serial log of generation 1 opens from the report');
    t.same(remote, [], 'no network requests');
  });
});

t.test('make scenario REPRO=results/<run-id> reruns the same scenarios with the same seed', async (t) => {
  const recorded = JSON.parse(await readFile(path.join(runDir, 'repro.json'), 'utf8')) as { seed: string; options: { scenarios: string[] } };
  t.match(recorded.seed, /^[0-9a-f]{16}$/);
  const rerun = await make(['scenario'], { REPRO: runDir, S: 'boot' });
  t.equal(rerun.exitCode, 0, rerun.stderr.slice(-2000));
  const again = await realpath(path.join(results, 'latest'));
  t.not(again, runDir, 'a new run folder');
  const repeated = JSON.parse(await readFile(path.join(again, 'repro.json'), 'utf8')) as typeof recorded;
  t.equal(repeated.seed, recorded.seed, 'same seed in both repro.json');
  t.same(repeated.options.scenarios, ['pci-config'], 'the recorded scenarios, not the S= of the environment');
  const context = JSON.parse(await readFile(path.join(again, 'pci-config', 'context.json'), 'utf8')) as { seed: string };
  t.equal(context.seed, recorded.seed, 'the scenario got the recorded seed');
});
