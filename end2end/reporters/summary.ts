import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Prints one plain closing line, `e2e: N passed, N failed, N skipped`, that CI logs and scripts can
 * read without knowing Playwright's own summary format. A test counts by its final result.
 */
export default class SummaryReporter implements Reporter {
  private readonly outcome = new Map<string, TestResult['status']>();

  onTestEnd(test: TestCase, result: TestResult): void {
    this.outcome.set(test.id, result.status);
  }

  onEnd(result: FullResult): void {
    // Nothing ran (e.g. --list): no summary line rather than a misleading "0 passed".
    if (this.outcome.size === 0 && result.status === 'passed') return;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const status of this.outcome.values()) {
      if (status === 'passed') passed += 1;
      else if (status === 'skipped') skipped += 1;
      else failed += 1; // failed, timedOut, interrupted
    }
    // A run that failed outside any test (global setup, a worker crash) must not look green.
    if (result.status !== 'passed' && failed === 0) failed = 1;
    console.log(`e2e: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
