import t from 'tap';
import { renderReport } from '../../harness/report/render-report.ts';
import type { RunFolder, ScenarioFolder } from '../../harness/report/run-folder.ts';
import { judgePoints } from '../../harness/results/expectations.ts';
import { countPoints } from '../../harness/results/summary.ts';
import { parseTap } from '../../harness/results/tap-results.ts';

const points = judgePoints('vfio-edu', parseTap('ok 1 - [dma.before] DMA <ok>\nnot ok 2 - [preserve.bars] BARs kept\n1..2\n').points, [], '7.3.4');
const write = (register: string, phase?: string) => ({ offset: 4, width: 2 as const, register, group: 'header', oldValue: 0x103, newValue: 0x107, changed: true, ...(phase ? { phase } : {}) });
const vfio: ScenarioFolder = {
  result: {
    name: 'vfio-edu',
    verdict: 'fail',
    durationMs: 30_000,
    exitCode: 1,
    kernel: '7.3.4',
    accel: 'tcg',
    phases: [
      { name: 'boot-to-ssh', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 4000, outcome: 'ok' },
      { name: 'kexec', startedAt: '2026-01-01T00:00:05.000Z', durationMs: 3000, outcome: 'ok' },
      { name: 'kexec-load', startedAt: '2026-01-01T00:00:05.000Z', durationMs: 500, outcome: 'ok' },
      { name: 'kexec-to-ssh', startedAt: '2026-01-01T00:00:05.500Z', durationMs: 2500, outcome: 'ok' },
      { name: 'finish', startedAt: '2026-01-01T00:00:09.000Z', durationMs: 200, outcome: 'ok' },
    ],
    counts: countPoints(points),
    points,
    facts: {},
    error: { code: 'GUEST', message: 'guest panicked', detail: 'Kernel panic - not syncing' },
    unreadableTap: [{ line: 3, text: 'bar <0> size 0x1000' }],
    artifactDir: '/r/vfio-edu',
  },
  files: ['vfio-edu/serial-gen0.log', 'vfio-edu/serial-gen1.log', 'vfio-edu/config/writes.json'],
  diffs: [{ file: 'vfio-edu/config/diff-kexec.txt', text: '0000:00:04.0\n  Command 0x0103 -> 0x0107' }],
  audits: [
    {
      file: 'vfio-edu/config/writes.json',
      audit: {
        inWindow: [{ bdf: '0000:00:04.0', hasSnapshot: true, writes: [write('Command'), write('Status', 'kexec-to-ssh')], counts: { writes: 2, changed: 2, unchanged: 0, unknown: 0, barSizing: 0 } }],
        outsideWindow: [],
      },
    },
  ],
  events: [
    {
      file: 'vfio-edu/vfio-edu/gen0-dma.jsonl',
      helper: 'vfio-edu',
      events: [{ event: 'dma', iova: '0x100000000', ok: true }, { event: 'msi', raised: 8, received: 8 }],
      unreadable: [
        { line: 3, text: 'vfio <chatter>', why: 'not JSON (Unexpected token)' },
        { line: 5, text: '[1]', why: 'not a JSON object' },
      ],
    },
  ],
  logs: { serial: ['vfio-edu/serial-gen0.log', 'vfio-edu/serial-gen1.log'], dmesg: [], runner: [] },
  unreadableIndex: [{ line: 2, text: '{"file":"x"}', why: 'unknown kind undefined' }],
};
const run: RunFolder = {
  dir: '/r',
  summary: {
    runId: 'run-1',
    finishedAt: '2026-01-01T00:01:00Z',
    interrupted: false,
    seed: '0123456789abcdef',
    kernel: {
      release: '7.3.4+',
      identity: 'linux-source-7.3=7.3.4+2 patches (sha256 0123456789ab)',
      origin: 'patched',
      options: { PCI_LIVEUPDATE: 'y', VFIO_PCI_LIVEUPDATE: 'y' },
      patches: { given: '/series', subjects: ['PCI: liveupdate: Set up FLB handler', 'vfio/pci: Preserve files'] },
    },
    nextKernel: { release: '7.3.4', identity: 'linux-source-7.3=7.3.4' },
    image: 'img',
    accel: { accel: 'tcg', reason: 'no KVM' },
    qemu: 'QEMU 7.2',
    scenarios: [vfio.result],
  },
  scenarios: [vfio],
};
const html = renderReport(run);

t.test('failures come first, with the error, the failed check and links to the evidence', async (t) => {
  t.ok(html.indexOf('id="failures"') < html.indexOf('id="scenario-vfio-edu"'));
  t.match(html, /<dt>device preservation<\/dt><dd>PCI_LIVEUPDATE=y VFIO_PCI_LIVEUPDATE=y IOMMU_LIVEUPDATE=n<\/dd>/, 'which preservation features the kernel has');
  t.match(html, /<dt>patches<\/dt><dd>2 from \/series: PCI: liveupdate: Set up FLB handler; vfio\/pci: Preserve files<\/dd>/, 'the series applied');
  t.match(html, /<b>GUEST<\/b>: guest panicked<\/p><pre>Kernel panic - not syncing<\/pre>/);
  t.match(html, /<code>preserve\.bars<\/code> BARs kept: fail/);
  t.match(html, /evidence: <a href="vfio-edu\/serial-gen0\.log">/);
});

t.test('kexec load, blackout and FINISH; phases as bars', async (t) => {
  t.match(html, /<td>1<\/td><td>0\.5 s<\/td><td>2\.5 s<\/td><td>3\.0 s<\/td><td>finish 0\.2 s<\/td>/);
  t.match(html, /class="bar ok" style="left:59\.78%;width:27\.17%"/, 'kexec-to-ssh starts at 5.5 s of 9.2 s');
});

t.test('a write carries its phase when it has one, else the window it fell in', async (t) => {
  t.match(html, /<td>0000:00:04\.0<\/td><td>kexec window<\/td><td>Command<\/td><td>0x103 -&gt; 0x107<\/td>/);
  t.match(html, /<td>kexec-to-ssh<\/td><td>Status<\/td>/);
});

t.test('helper records as tables, a section per helper, text escaped, nothing remote', async (t) => {
  t.match(html, /<h3>What vfio-edu reported<\/h3>\n<h4><a href="vfio-edu\/vfio-edu\/gen0-dma\.jsonl">[^<]*<\/a><\/h4><h5>dma \(1\)<\/h5><table class="events dma">/);
  t.match(html, /DMA &lt;ok&gt;/);
  t.notMatch(html, /<script|https?:\/\//, 'self-contained: no script, no remote URL');
});

t.test('lines that could not be read are listed: TAP lines in the scenario section, helper lines under their file', async (t) => {
  const scenario = html.slice(html.indexOf('id="scenario-vfio-edu"'));
  t.match(scenario, /<h3>TAP lines that could not be read<\/h3>\n<p>1 line of <a href="vfio-edu\/tap\.txt">vfio-edu\/tap\.txt<\/a> could not be read as TAP:<\/p>/);
  t.match(scenario, /<table class="unreadable">.*<tr><td>3<\/td><td><code>bar &lt;0&gt; size 0x1000<\/code><\/td><\/tr>/s);
  t.match(
    html,
    /<table class="events msi">.*<\/table><p class="fail">2 lines could not be read: <span title="vfio &lt;chatter&gt;">line 3: not JSON \(Unexpected token\)<\/span>; <span title="\[1\]">line 5: not a JSON object<\/span><\/p>/s,
  );
  t.match(scenario, /<h3>Artifact index lines that could not be read<\/h3>\n<p class="fail">1 line could not be read: <span title="\{&quot;file&quot;:&quot;x&quot;\}">line 2: unknown kind undefined<\/span><\/p>/);
  const clean = renderReport({ ...run, scenarios: [{ ...vfio, result: { ...vfio.result, unreadableTap: undefined }, events: [], unreadableIndex: [] }] });
  t.notMatch(clean, /could not be read/, 'nothing said when every line was read');
});
