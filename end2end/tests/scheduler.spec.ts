import {
  ACCOUNTS,
  expect,
  expectNoA11yViolations,
  fileRequest,
  gotoAndSettle,
  h1,
  isJsEnabled,
  jsEnabledByContext,
  navLink,
  signInWithPassword,
  test,
} from '../fixtures';

/**
 * The scheduler's admin page lists the SLA-breach alert a new request schedules; staff are refused it.
 * On the tracking page, "Notify me in this browser" exists only with JavaScript (without it nothing could
 * notify) and, with the permission granted, switches on.
 */
test.describe('scheduler and browser notifications', () => {
  test('an admin sees the SLA alert a new request scheduled; staff are refused', async ({ page, browser }, testInfo) => {
    test.setTimeout(90_000);
    const summary = `Dripping tap ${testInfo.project.name} ${Date.now()}`;
    await fileRequest(page, { name: 'Sam Customer', email: 'sam@example.com', category: 'Plumbing', summary });
    const reference = (await page.getByRole('definition').first().textContent())?.trim() ?? '';
    expect(reference).toMatch(/^SR-\d{4}-\d{6}$/);

    const js = isJsEnabled(page);
    const context = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
    jsEnabledByContext.set(context, js);
    const staff = await context.newPage();
    try {
      await signInWithPassword(staff, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
      const refused = await gotoAndSettle(staff, '/admin/scheduler');
      expect(refused?.status()).toBe(403);
      await expect(h1(staff, 'Access denied')).toBeVisible();
    } finally {
      await context.close();
    }

    await signInWithPassword(page, ACCOUNTS.admin.email, ACCOUNTS.admin.password);
    await navLink(page, 'Scheduler').click();
    await expect(h1(page, 'Scheduler')).toBeVisible();
    const upcoming = page.getByRole('table', { name: 'Upcoming' });
    const row = upcoming.getByRole('row').filter({ hasText: reference });
    await expect(row).toContainText('SLA-breach alert');
    await expect(row.getByRole('link', { name: reference })).toHaveAttribute('href', /^\/staff\/jobs\/\d+$/);
    await expect(page.getByRole('heading', { level: 2, name: 'Failed' })).toBeVisible();
    await expectNoA11yViolations(page, { label: 'scheduler admin page' });
  });

  test('the tracking page offers browser notifications only with JavaScript', async ({ page, context }, testInfo) => {
    test.setTimeout(60_000);
    const js = isJsEnabled(page);
    if (js) await context.grantPermissions(['notifications']);
    const summary = `Blocked drain ${testInfo.project.name} ${Date.now()}`;
    await fileRequest(page, { name: 'Nora Customer', email: 'nora@example.com', category: 'Plumbing', summary });
    const button = page.getByRole('button', { name: 'Notify me in this browser' });
    if (!js) {
      await expect(button).toHaveCount(0);
      await expectNoA11yViolations(page, { label: 'tracking page without JavaScript' });
      return;
    }
    await expect(button).toBeVisible();
    await expect(button).toHaveAttribute('aria-pressed', 'false');
    await button.click();
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('status').filter({ hasText: 'this browser tells you when the status changes' })).toBeVisible();
    await expectNoA11yViolations(page, { label: 'tracking page with notifications on' });
    // Pressed again: off.
    await button.click();
    await expect(button).toHaveAttribute('aria-pressed', 'false');
  });
});
