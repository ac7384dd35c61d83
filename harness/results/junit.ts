// JUnit XML for CI dashboards: one testsuite per scenario, one testcase per test point.
import type { ErrorRecord } from '../errors.ts';
import { outcomeLabel, type JudgedPoint } from './expectations.ts';

export interface JunitSuite {
  readonly name: string;
  readonly durationMs: number;
  readonly points: readonly JudgedPoint[];
  /** Error that ended the scenario outside any test point (crash, timeout). */
  readonly error?: ErrorRecord;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters; serial output can contain them.
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

/** Render suites as a JUnit XML document. */
export function renderJunit(suites: readonly JunitSuite[]): string {
  const body = suites.map((suite) => {
    const cases = suite.points.map((point) => {
      const name = escapeXml(`[${point.id}] ${point.name || `point ${point.number}`}`);
      let inner = '';
      // An unexpected outcome is a failure whatever its status; an expected one is reported, not failed.
      if (point.judgement === 'unexpected') {
        inner = `<failure message="${escapeXml(outcomeLabel(point))}">${escapeXml(point.diagnostic ?? '')}</failure>`;
      } else if (point.judgement === 'expected' && point.status !== 'pass') {
        inner = `<skipped message="${escapeXml(outcomeLabel(point))}"/>`;
      } else if (point.status === 'skip' || point.status === 'todo') {
        inner = `<skipped message="${escapeXml(`${point.status}: ${point.reason ?? ''}`)}"/>`;
      }
      return `    <testcase classname="${escapeXml(suite.name)}" name="${name}">${inner}</testcase>`;
    });
    if (suite.error) {
      cases.push(`    <testcase classname="${escapeXml(suite.name)}" name="scenario"><error message="${escapeXml(`${suite.error.code}: ${suite.error.message}`)}">${escapeXml(suite.error.detail ?? '')}</error></testcase>`);
    }
    const failures = suite.points.filter((point) => point.judgement === 'unexpected').length;
    const skipped = suite.points.filter((point) => point.judgement !== 'unexpected' && point.status !== 'pass').length;
    return [
      `  <testsuite name="${escapeXml(suite.name)}" tests="${cases.length}" failures="${failures}" errors="${suite.error ? 1 : 0}" skipped="${skipped}" time="${(suite.durationMs / 1000).toFixed(3)}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${body.join('\n')}\n</testsuites>\n`;
}
