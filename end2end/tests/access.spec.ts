import {
  ACCOUNTS,
  expect,
  expectNoA11yViolations,
  gotoAndSettle,
  h1,
  signInAsCustomer,
  signInWithPassword,
  test,
  urlPath,
} from '../fixtures';
import type { Page } from '@playwright/test';

/** Opens `path` and expects the "Access denied" page, served with HTTP 403. */
async function expectAccessDenied(page: Page, path: string): Promise<void> {
  const response = await gotoAndSettle(page, path);
  expect(response, `no response for ${path}`).not.toBeNull();
  expect(response!.status(), `HTTP status of ${path}`).toBe(403);
  await expect(page).toHaveURL(urlPath(path));
  await expect(h1(page, 'Access denied')).toBeVisible();
  await expectNoA11yViolations(page, { label: `${path} refused` });
}

test.describe('access control', () => {
  test('an anonymous visitor opening /staff is sent to sign in', async ({ page }) => {
    await gotoAndSettle(page, '/staff');
    await expect(page).toHaveURL(urlPath('/sign-in'));
    await expect(h1(page, 'Sign in')).toBeVisible();
    await expectNoA11yViolations(page, { label: '/staff while signed out' });
  });

  test('a customer is refused the staff workspace', async ({ page, customerEmail }) => {
    await signInAsCustomer(page, customerEmail);
    await expectAccessDenied(page, '/staff');
  });

  test('a customer is refused the user administration', async ({ page, customerEmail }) => {
    await signInAsCustomer(page, customerEmail);
    await expectAccessDenied(page, '/admin/users');
  });

  test('staff may open the staff workspace but not the user administration', async ({ page }) => {
    await signInWithPassword(page, ACCOUNTS.staff.email, ACCOUNTS.staff.password);

    const response = await gotoAndSettle(page, '/staff');
    expect(response?.status()).toBe(200);
    await expect(h1(page, 'Staff workspace')).toBeVisible();
    await expectNoA11yViolations(page, { label: 'staff workspace' });

    await expectAccessDenied(page, '/admin/users');
  });

  test('an admin sees the users table', async ({ page }) => {
    await signInWithPassword(page, ACCOUNTS.admin.email, ACCOUNTS.admin.password);

    const response = await gotoAndSettle(page, '/admin/users');
    expect(response?.status()).toBe(200);
    await expect(h1(page, 'Users')).toBeVisible();
    const table = page.getByRole('table');
    await expect(table).toBeVisible();
    for (const account of Object.values(ACCOUNTS)) {
      await expect(table.getByRole('row').filter({ hasText: account.email })).toHaveCount(1);
    }
    await expectNoA11yViolations(page, { label: 'user administration' });
  });
});
