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
} from '../fixtures';

/**
 * The staff board: search and filters travel in the URL (a GET form, so they work without JavaScript and can
 * be shared), and every row shows where the job stands against its first-response target.
 */
test('staff search and filter the board', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const marker = `Zebra${testInfo.project.name.replace('-', '')}${Date.now()}`;
  await fileRequest(page, { name: `Zed ${marker}`, email: 'zed@example.com', category: 'Electrical', summary: 'Dead socket' });

  await signInWithPassword(page, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
  await gotoAndSettle(page, '/staff');
  const filters = page.getByRole('search', { name: 'Filter requests' });
  await filters.getByLabel('Search').fill(marker.toLowerCase());
  await filters.getByLabel('Status').selectOption({ label: 'Received' });
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]q=zebra/);
  await settle(page);
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(2); // the header and the one match
  await expect(rows.nth(1)).toContainText(`Zed ${marker}`);
  await expect(rows.nth(1)).toContainText('On track');
  await expect(page.getByRole('search', { name: 'Filter requests' }).getByLabel('Status')).toHaveValue('received');
  await expectNoA11yViolations(page, { label: 'filtered staff board' });

  await page.getByRole('search', { name: 'Filter requests' }).getByLabel('Status').selectOption({ label: 'Scheduled' });
  await page.getByRole('search', { name: 'Filter requests' }).getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('No requests yet.')).toBeVisible();
});

/** Admins set each category's first-response target; a bad value is refused with a readable message. */
test('an admin changes a category target', async ({ page }) => {
  await signInWithPassword(page, ACCOUNTS.admin.email, ACCOUNTS.admin.password);
  await gotoAndSettle(page, '/admin/categories');
  await expect(h1(page, 'Categories')).toBeVisible();
  await expectNoA11yViolations(page, { label: 'categories' });
  let form = page.getByRole('form', { name: /^Computers and networks/ });
  await form.getByLabel('First response target (hours)').fill('0');
  await form.getByRole('button', { name: 'Save' }).click();
  form = page.getByRole('form', { name: /^Computers and networks/ });
  await expect(form.getByRole('alert')).toContainText('Enter a whole number from 1 to 720');
  await expect(form.getByLabel('First response target (hours)')).toHaveAccessibleDescription(/Enter a whole number/);
  await expect(form.getByLabel('First response target (hours)')).toHaveValue('0');
  await expect(page.getByRole('form', { name: /^Plumbing/ }).getByRole('alert')).toHaveCount(0);
  await settle(page);
  await form.getByLabel('First response target (hours)').fill('12');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Changes saved.');
  await settle(page);
  await expect(page.getByRole('form', { name: /^Computers and networks/ }).getByLabel('First response target (hours)')).toHaveValue('12');
  await expectNoA11yViolations(page, { label: 'categories after saving' });
});
