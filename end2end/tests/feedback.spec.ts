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

/** The admin's development mailbox: opens the newest mail to `email` whose subject contains `subject`. */
async function openMail(admin: Page, email: string, subject: string): Promise<void> {
  const row = admin.getByRole('row').filter({ hasText: email }).filter({ hasText: subject });
  // The list is rendered on the server: polling reloads it without waiting for hydration each time (under
  // load one hydration can take longer than the whole polling window); the page hydrates once it is there.
  await expect(async () => {
    await admin.goto('/admin/outbox');
    await expect(row.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 45_000 });
  await settle(admin);
  await row.first().getByRole('link', { name: subject }).click();
  await expect(h1(admin, subject)).toBeVisible();
  await settle(admin);
}

/** The path of the mail's link whose address matches `pattern`. */
async function mailLink(admin: Page, pattern: RegExp): Promise<string> {
  const link = admin.getByRole('link', { name: pattern });
  await expect(link).toHaveCount(1);
  return new URL((await link.getAttribute('href'))!).pathname + new URL((await link.getAttribute('href'))!).search;
}

/**
 * From the mails: the completion mail's rating link opens the survey with the score chosen and records
 * nothing until the customer sends it; the NPS link takes 0-10; the scheduler's "did the fix hold?" mail (run
 * now by an admin) takes a "no", which reopens the job; the dashboard's feedback export has all three.
 */
test('the rating, NPS and fix-held links from the mails, and the dashboard export', async ({ page, browser, customerEmail }, testInfo) => {
  test.setTimeout(180_000);
  const js = isJsEnabled(page);
  const summary = `Noisy boiler ${testInfo.project.name} ${Date.now()}`;
  await fileRequest(page, { name: 'Lena Linker', email: customerEmail, category: 'Heating and cooling', summary });
  const tracking = page.url();
  const reference = (await page.getByText(/^SR-\d{4}-\d{6,}$/).textContent())!.trim();

  const staff = await signedIn(browser, ACCOUNTS.staff, js);
  const admin = await signedIn(browser, ACCOUNTS.admin, js);
  try {
    await completeJob(staff, summary);
    await openMail(admin, customerEmail, `Your job is completed ${reference}`);
    const rate5 = await mailLink(admin, /\/feedback\/[A-Za-z0-9_-]{43}\?score=5$/);
    const nps = await mailLink(admin, /\/feedback\/[A-Za-z0-9_-]{43}$/);
    const preferences = await mailLink(admin, /\/preferences\/[A-Za-z0-9_-]{43}$/);

    // Opening the link (as a mail scanner would, twice) records nothing: the score is only chosen.
    for (let i = 0; i < 2; i += 1) await gotoAndSettle(page, rate5);
    await expect(h1(page, 'How satisfied are you with the job?')).toBeVisible();
    await expect(page.getByText(reference)).toBeVisible();
    const survey = page.getByRole('form', { name: 'Your answer' });
    await expect(survey.getByLabel('5 – Very satisfied')).toBeChecked();
    await expectNoA11yViolations(page, { label: 'survey opened from the mail' });
    await survey.getByLabel('Anything you would like to tell us? (optional)').fill('Warm again within the hour.');
    await survey.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByText('Thank you, your answer is saved.')).toBeVisible();
    await expect(page.getByRole('form', { name: 'Change your answer' })).toBeVisible();
    await settle(page);

    await gotoAndSettle(page, nps);
    await expect(h1(page, 'How likely are you to recommend us to a friend or colleague?')).toBeVisible();
    const npsForm = page.getByRole('form', { name: 'Your answer' });
    await npsForm.getByLabel('10', { exact: true }).check();
    await npsForm.getByLabel('Why? (optional)').fill('Honest times, no surprises.');
    await npsForm.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByText('Thank you, your answer is saved.')).toBeVisible();
    await settle(page);
    await expectNoA11yViolations(page, { label: 'NPS survey answered' });

    // The follow-up is days away; the admin runs it now, and its mail arrives.
    await gotoAndSettle(admin, '/admin/scheduler');
    const followup = admin
      .getByRole('table', { name: 'Upcoming' })
      .getByRole('row')
      .filter({ hasText: reference })
      .filter({ hasText: '"Did the fix hold?" survey' });
    await followup.getByRole('button', { name: /Run now/ }).click();
    // The run-now request is through (its notice shows) before the admin moves on to the outbox.
    await expect(admin.getByText('The job will run again shortly.')).toBeVisible();
    await openMail(admin, customerEmail, `Did the fix hold? ${reference}`);
    const no = await mailLink(admin, /\/feedback\/[A-Za-z0-9_-]{43}\?score=0$/);
    await gotoAndSettle(page, no);
    const fixForm = page.getByRole('form', { name: 'Your answer' });
    await expect(fixForm.getByLabel('No, the problem is back')).toBeChecked();
    await fixForm.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByText('Thank you, your answer is saved.')).toBeVisible();
    await settle(page);

    await gotoAndSettle(page, tracking);
    await expect(page.getByText(/^Status: /)).toContainText('Needs another visit');
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('You told us the fix did not hold');

    // The dashboard's feedback export for today has the three answers; the job no longer counts as fixed first time.
    await gotoAndSettle(staff, '/staff/insights');
    await expect(h1(staff, 'Insights')).toBeVisible();
    const feedback = await (await staff.request.get('/staff/insights/feedback.csv')).text();
    expect(feedback).toContain(`${reference},csat,5,Warm again within the hour.`);
    expect(feedback).toContain(`${reference},nps,10,"Honest times, no surprises."`);
    expect(feedback).toContain(`${reference},fix_held,0,`);
    const jobs = (await (await staff.request.get('/staff/insights/jobs.csv')).text()).split('\r\n');
    expect(jobs.find((row) => row.startsWith(`${reference},`))).toMatch(/,1,no$/);

    // The survey mail's preferences link: one click unsubscribes from surveys, honoured from the next mail.
    await gotoAndSettle(page, preferences);
    await expect(h1(page, 'Your mail preferences')).toBeVisible();
    await expect(page.getByText(customerEmail)).toBeVisible();
    await expect(page.getByLabel('Send me short surveys about finished jobs')).toBeChecked();
    await expectNoA11yViolations(page, { label: 'mail preferences' });
    await page.getByRole('button', { name: 'Unsubscribe from surveys' }).click();
    await expect(page.getByText('Saved. This applies to the next mail we send.')).toBeVisible();
    await expect(page.getByLabel('Send me short surveys about finished jobs')).not.toBeChecked();
    await expect(page.getByLabel('Every change of my jobs')).toBeChecked();
  } finally {
    await staff.context().close();
    await admin.context().close();
  }
});
