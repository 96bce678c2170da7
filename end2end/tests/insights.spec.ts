import * as fs from 'node:fs';
import { ACCOUNTS, expect, expectNoA11yViolations, gotoAndSettle, h1, settle, signInWithPassword, test } from '../fixtures';

/**
 * The staff KPI dashboard: cards and server-drawn charts with their data tables, a GET form for the period
 * and filters (a shareable URL, works without JavaScript), and CSV exports that carry the same filters.
 * The database holds the demo requests plus whatever other specs filed, so the numbers checked here are
 * those that do not depend on them: a period long before any data, and the filters echoed back.
 */
test('staff read the KPI dashboard, filter it and export CSV', async ({ page }) => {
  test.setTimeout(60_000);
  await signInWithPassword(page, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
  await gotoAndSettle(page, '/staff/insights');
  await expect(h1(page, 'Insights')).toBeVisible();

  const figures = page.getByRole('region', { name: 'Key figures' });
  for (const card of ['First response time', 'Time to resolution', 'First-time fix rate', 'SLA met', 'Net Promoter Score']) {
    await expect(figures.getByRole('heading', { name: card })).toBeVisible();
  }
  // Deflection comes from the request form's suggestions: a count once some form was shown suggestions (the
  // deflection spec may or may not have run before this one), never a made-up number.
  const deflection = figures.locator('.kpi', { has: page.getByRole('heading', { name: 'Deflection by help articles' }) });
  await expect(deflection).toContainText(/\d+ \/ \d+ visits without a request|No data/);
  // The demo requests were filed today, so the default period (the last 30 days) has some.
  await expect(figures.getByText(/Requests received in the period: \d+/)).toBeVisible();
  await expect(figures.getByText(/Requests received in the period: 0$/)).toHaveCount(0);

  // A chart is an image named by its heading, with its numbers in a table behind a disclosure.
  const trends = page.getByRole('region', { name: 'Weekly trends' });
  await expect(trends.getByRole('img', { name: 'Requests received per week' })).toBeVisible();
  const chart = trends.locator('figure', { has: page.getByRole('img', { name: 'Requests received per week' }) });
  await chart.getByText('Show the data as a table').click();
  const table = chart.getByRole('table', { name: 'Requests received per week' });
  await expect(table).toBeVisible();
  await expect(table.getByRole('columnheader')).toHaveText(['Week starting', 'Requests']);
  await expect(table.getByRole('row')).not.toHaveCount(1);
  await expectNoA11yViolations(page, { label: 'insights dashboard' });

  // Filter: a channel and a period long before any request. The URL carries it, the form shows it.
  const filters = page.getByRole('search', { name: 'Dashboard filters' });
  await filters.getByLabel('From').fill('2020-01-01');
  await filters.getByLabel('To').fill('2020-01-31');
  await filters.getByLabel('Channel').selectOption({ label: 'Phone' });
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]channel=phone/);
  await expect(page).toHaveURL(/[?&]from=2020-01-01/);
  await settle(page);
  const narrowed = page.getByRole('search', { name: 'Dashboard filters' });
  await expect(narrowed.getByLabel('Channel')).toHaveValue('phone');
  await expect(narrowed.getByLabel('From')).toHaveValue('2020-01-01');
  await expect(page.getByText('Requests received in the period: 0')).toBeVisible();
  const sla = page.locator('.kpi', { has: page.getByRole('heading', { name: 'SLA met' }) });
  await expect(sla).toContainText('No data');
  await expect(page.locator('.kpi', { has: page.getByRole('heading', { name: 'Deflection by help articles' }) })).toContainText(
    'No data',
  );
  await expect(page.getByText('No group has split opinions in this period.')).toBeVisible();
  await expectNoA11yViolations(page, { label: 'insights dashboard, filtered' });

  // The export links carry the same filters; the file is CSV with its header and no rows for this period.
  const jobsLink = page.getByRole('link', { name: 'jobs', exact: true });
  await expect(jobsLink).toHaveAttribute('href', /^\/staff\/insights\/jobs\.csv\?from=2020-01-01&to=2020-01-31&channel=phone$/);
  await expect(page.getByRole('link', { name: 'feedback', exact: true })).toHaveAttribute('href', /channel=phone/);
  const [download] = await Promise.all([page.waitForEvent('download'), jobsLink.click()]);
  expect(download.suggestedFilename()).toBe('jobs-2020-01-01-2020-01-31.csv');
  const body = fs.readFileSync(await download.path(), 'utf8');
  expect(body.split('\r\n')).toEqual([
    'reference,created_at,category,technician,channel,status,first_response_at,first_response_minutes,sla,completed_at,resolution_hours,revisits,first_time_fix',
    '',
  ]);

  // Without the filters, today's export lists the demo requests (filed through the web form).
  await gotoAndSettle(page, '/staff/insights');
  const [today] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'jobs', exact: true }).click(),
  ]);
  const rows = fs.readFileSync(await today.path(), 'utf8').trim().split('\r\n');
  expect(rows.length).toBeGreaterThan(1);
  expect(rows.slice(1).every((row) => /^[^,]*,\d{4}-\d\d-\d\dT\d\d:\d\dZ,/.test(row))).toBe(true);
  expect(rows.some((row) => row.includes(',web,'))).toBe(true);
});

test('visitors are sent to sign in and refused the exports', async ({ page, request }) => {
  await gotoAndSettle(page, '/staff/insights');
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  const csv = await request.get('/staff/insights/jobs.csv');
  expect(csv.status()).toBe(403);
});
