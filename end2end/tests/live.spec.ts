import {
  ACCOUNTS,
  expect,
  expectNoA11yViolations,
  gotoAndSettle,
  h1,
  isJsEnabled,
  jsEnabledByContext,
  signInAsCustomer,
  signInWithPassword,
  signOut,
  test,
} from '../fixtures';

/**
 * The staff workspace follows team activity over Server-Sent Events: an admin's change in another browser
 * appears on an open staff page without a reload (JavaScript on); with JavaScript off, a reload shows it.
 * This also drives the admin users page: a refused role change and the disable button of one row.
 */
test('an account change made by an admin appears on the open staff workspace', async ({ page, browser, customerEmail }) => {
  // Three people's flows in one test (staff, a new customer, the admin), with axe on every page.
  test.setTimeout(90_000);
  const js = isJsEnabled(page);

  await signInWithPassword(page, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
  await gotoAndSettle(page, '/staff');
  await expect(h1(page, 'Staff workspace')).toBeVisible();
  // Marks this document: if the page reloaded or navigated, the marker would be gone.
  if (js) await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const adminContext = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
  jsEnabledByContext.set(adminContext, js);
  const admin = await adminContext.newPage();
  try {
    // The customer whose roles change: signing in by link creates the account.
    await signInAsCustomer(admin, customerEmail);
    await signOut(admin);
    await signInWithPassword(admin, ACCOUNTS.admin.email, ACCOUNTS.admin.password);
    await gotoAndSettle(admin, '/admin/users');
    const row = admin.getByRole('row').filter({ hasText: customerEmail });
    await expect(row).toHaveCount(1);
    // Team roles need a password, which this customer (signed in by link) has not set: refused, with why.
    await row.getByRole('checkbox', { name: 'Editor', exact: true }).check();
    await row.getByRole('button', { name: 'Save roles' }).click();
    await expect(admin.getByRole('alert').filter({ hasText: 'must set a password' })).toBeVisible();
    // The roles column still says Customer.
    await expect(admin.getByRole('row').filter({ hasText: customerEmail }).getByRole('cell').nth(2)).toHaveText('Customer');
    await expectNoA11yViolations(admin, { label: 'user administration after a refused role change' });

    await admin.getByRole('row').filter({ hasText: customerEmail }).getByRole('button', { name: 'Disable' }).click();
    await expect(admin.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
  } finally {
    await adminContext.close();
  }

  const entry = page.getByRole('listitem').filter({ hasText: `${ACCOUNTS.admin.email} disabled ${customerEmail}` });
  if (js) {
    await expect(entry).toBeVisible({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  } else {
    await expect(entry).toHaveCount(0);
    await gotoAndSettle(page, '/staff');
    await expect(entry).toBeVisible();
  }
  await expectNoA11yViolations(page, { label: 'staff workspace with live activity' });
});

test('the portal works on a 360 px wide phone', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/', '/sign-in']) {
    await gotoAndSettle(page, path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
    await expectNoA11yViolations(page, { label: `${path} at 360 px` });
  }
  await signInWithPassword(page, ACCOUNTS.admin.email, ACCOUNTS.admin.password);
  await gotoAndSettle(page, '/account');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, '/account scrolls sideways at 360 px').toBeLessThanOrEqual(0);
});
