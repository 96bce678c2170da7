import {
  ACCOUNTS,
  expect,
  expectNoA11yViolations,
  fileRequest,
  gotoAndSettle,
  h1,
  settle,
  signInWithPassword,
  test,
  urlPath,
} from '../fixtures';

/**
 * With no SMTP server configured, every mail is delivered to the development mailbox: a customer files a
 * request, the admin finds the confirmation mail at /admin/outbox, opens it and follows its tracking link
 * to the customer's job.
 */
test('the development mailbox shows the confirmation mail and its tracking link opens the job', async ({
  page,
  customerEmail,
}, testInfo) => {
  test.setTimeout(60_000);
  const summary = `Radiator cold ${testInfo.project.name} ${Date.now()}`;
  await fileRequest(page, { name: 'Mia Mailbox', email: customerEmail, category: 'Heating and cooling', summary });
  const reference = (await page.getByText(/^SR-\d{4}-\d{6,}$/).textContent())!.trim();

  await signInWithPassword(page, ACCOUNTS.admin.email, ACCOUNTS.admin.password);
  const response = await gotoAndSettle(page, '/admin/outbox');
  expect(response?.status()).toBe(200);
  await expect(h1(page, 'Outbox')).toBeVisible();
  await expect(page.getByText(/No SMTP server is configured/)).toBeVisible();
  // The worker looks for new mail every second: the row turns "Sent" within moments.
  const row = page.getByRole('row').filter({ hasText: customerEmail });
  // Polled as the server renders it (no hydration wait per reload: under load one can outlast the window).
  await expect(async () => {
    await page.goto('/admin/outbox');
    await expect(row).toHaveCount(1, { timeout: 1_000 });
    await expect(row.getByRole('cell').nth(4)).toHaveText('Sent', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await settle(page);
  await expect(row).toContainText(`We received your request ${reference}`);
  await expect(row).toContainText('Request received');
  await expectNoA11yViolations(page, { label: 'outbox' });

  await row.getByRole('link', { name: `We received your request ${reference}` }).click();
  await expect(h1(page, `We received your request ${reference}`)).toBeVisible();
  await expect(page).toHaveURL(/\/admin\/outbox\/\d+$/);
  await settle(page);
  await expect(page.getByText(customerEmail)).toBeVisible();
  await expect(page.getByText('Development mailbox', { exact: true })).toBeVisible();
  await expect(page.getByText(/^<outbox\.\d+\.\d+@[^>]+>$/)).toBeVisible();
  await expect(page.getByRole('cell', { name: 'development mailbox' })).toBeVisible();
  await expectNoA11yViolations(page, { label: 'one mail in the outbox' });

  const link = page.getByRole('link', { name: /\/track\/[A-Za-z0-9_-]{43}$/ });
  await expect(link).toHaveCount(1);
  const href = (await link.getAttribute('href'))!;
  await link.click();
  await expect(page).toHaveURL(urlPath(new URL(href).pathname));
  await expect(h1(page, 'Your service request')).toBeVisible();
  await expect(page.getByText(reference, { exact: true })).toBeVisible();
  await expect(page.getByText(summary)).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'tracking page opened from the mail' });
});

test('the outbox is refused to staff who are not admins', async ({ page }) => {
  await signInWithPassword(page, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
  const response = await gotoAndSettle(page, '/admin/outbox');
  expect(response?.status()).toBe(403);
  await expect(h1(page, 'Access denied')).toBeVisible();
  await expectNoA11yViolations(page, { label: 'outbox refused' });
});
