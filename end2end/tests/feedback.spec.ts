import {
  ACCOUNTS,
  dayFromNow,
  expect,
  expectNoA11yViolations,
  fileRequest,
  gotoAndSettle,
  h1,
  isJsEnabled,
  jsEnabledByContext,
  settle,
  signInWithPassword,
  test,
  timeFromNow,
  type Account,
} from '../fixtures';
import type { Browser, Page } from '@playwright/test';

/** A second browser signed in as `account`, with JavaScript on or off like the customer's. */
async function signedIn(browser: Browser, account: Account, js: boolean): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
  jsEnabledByContext.set(context, js);
  const page = await context.newPage();
  await signInWithPassword(page, account.email, account.password);
  return page;
}

/** Staff take the job with `summary` from the board to `completed`: confirm a window, go, arrive, finish. */
async function completeJob(staff: Page, summary: string): Promise<void> {
  await gotoAndSettle(staff, '/staff');
  await staff.getByRole('row').filter({ hasText: summary }).getByRole('link').click();
  await expect(staff.getByRole('heading', { level: 1 })).toContainText(summary);
  await settle(staff);
  const confirm = staff.getByRole('form', { name: 'Confirm the visit' });
  await confirm.getByLabel(`${dayFromNow(1)}, Morning (08:00–12:00)`).check();
  await confirm.getByRole('button', { name: 'Confirm visit' }).click();
  await expect(staff.getByText(/^Status: /)).toContainText('Scheduled');
  await settle(staff);
  const steps: [string, string | null][] = [
    ['On the way', timeFromNow(60)],
    ['Technician on site', null],
    ['Completed', null],
  ];
  for (const [status, eta] of steps) {
    const move = staff.getByRole('form', { name: 'Change status' });
    await move.getByLabel('New status').selectOption({ label: status });
    if (eta) await move.getByLabel('Expected arrival (UTC)').fill(eta);
    await move.getByRole('button', { name: 'Save status' }).click();
    await expect(staff.getByText(/^Status: /)).toContainText(status);
    await settle(staff);
  }
}

/**
 * A completed job's tracking page asks how it went: one click on a score sends it with the comment, and a
 * quote the customer allows waits for an editor, who approves it for the home page.
 */
test('a completed job is rated from its page and the quote reaches the home page after moderation', async ({ page, browser }, testInfo) => {
  test.setTimeout(150_000);
  const js = isJsEnabled(page);
  const marker = `${testInfo.project.name} ${Date.now()}`;
  const summary = `Dripping tap ${marker}`;
  const praise = `Spotless work and right on time (${marker}).`;
  await fileRequest(page, { name: 'Rita Rater', email: 'rita@example.com', category: 'Plumbing', summary });
  const tracking = page.url();
  await expect(page.getByRole('region', { name: 'How satisfied are you with the job?' })).toHaveCount(0);

  const staff = await signedIn(browser, ACCOUNTS.staff, js);
  try {
    await completeJob(staff, summary);
  } finally {
    await staff.context().close();
  }

  await gotoAndSettle(page, tracking);
  const rating = page.getByRole('region', { name: 'How satisfied are you with the job?' });
  await expect(rating).toBeVisible();
  await expectNoA11yViolations(page, { label: 'tracking page of a completed job' });
  // Consent without a comment is refused beside the box; nothing is recorded.
  await rating.getByLabel('Yes, you may quote my comment').check();
  await rating.getByLabel('First name').fill('Rita');
  await rating.getByLabel('Town').fill('Springfield');
  await rating.getByRole('button', { name: '5 – Very satisfied' }).click();
  const box = page.getByRole('region', { name: 'How satisfied are you with the job?' }).getByLabel('Yes, you may quote my comment');
  await expect(box).toHaveAccessibleDescription(/Only a good rating with a comment can be quoted/);
  await expect(page.getByText('Your rating:')).toHaveCount(0);
  await settle(page);

  const again = page.getByRole('region', { name: 'How satisfied are you with the job?' });
  await again.getByLabel('Anything you would like to tell us? (optional)').fill(praise);
  if (!(await again.getByLabel('Yes, you may quote my comment').isChecked())) {
    await again.getByLabel('Yes, you may quote my comment').check();
  }
  await again.getByLabel('First name').fill('Rita');
  await again.getByLabel('Town').fill('Springfield');
  await again.getByRole('button', { name: '5 – Very satisfied' }).click();
  await expect(page.getByText('Your rating:')).toContainText('5 – Very satisfied');
  await expect(page.getByRole('button', { name: '5 – Very satisfied' })).toHaveAttribute('aria-pressed', 'true');
  await settle(page);
  await expectNoA11yViolations(page, { label: 'tracking page after rating' });

  // Not public before an editor approves it.
  await gotoAndSettle(page, '/');
  await expect(page.getByText(praise)).toHaveCount(0);

  const editor = await signedIn(browser, ACCOUNTS.editor, js);
  try {
    await gotoAndSettle(editor, '/editor/testimonials');
    await expect(h1(editor, 'Testimonials')).toBeVisible();
    await expectNoA11yViolations(editor, { label: 'testimonial moderation' });
    const item = editor.getByRole('listitem').filter({ hasText: praise });
    await expect(item).toContainText('Rita, Springfield');
    await expect(item).toContainText('Waiting for a decision');
    await item.getByRole('button', { name: 'Approve' }).click();
    await expect(editor.getByRole('listitem').filter({ hasText: praise })).toContainText('Approved');
  } finally {
    await editor.context().close();
  }

  await gotoAndSettle(page, '/');
  const quotes = page.getByRole('region', { name: 'What our customers say' });
  await expect(quotes).toContainText(praise);
  await expect(quotes).toContainText('Rita, Springfield');
  await expectNoA11yViolations(page, { label: 'home page with testimonials' });
});
