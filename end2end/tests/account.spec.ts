import {
  ACCOUNTS,
  expect,
  expectNoA11yViolations,
  gotoAndSettle,
  h1,
  isJsEnabled,
  jsEnabledByContext,
  settle,
  signInAsCustomer,
  signInWithPassword,
  signOut,
  test,
  urlPath,
} from '../fixtures';
import type { Page } from '@playwright/test';

const passwordForm = (page: Page) => page.getByRole('form', { name: /^(Set a password|Change password)$/ });
const profileForm = (page: Page) => page.getByRole('form', { name: 'Profile' });

test('a customer sets a password, is told what is wrong first, then signs in with it', async ({
  page,
  customerEmail,
}) => {
  test.setTimeout(60_000);
  await signInAsCustomer(page, customerEmail);
  const form = passwordForm(page);
  await expect(page.getByRole('heading', { name: 'Set a password' })).toBeVisible();
  await expect(form.getByLabel('Current password')).toHaveCount(0);

  // Too short, then two different passwords: each message beside its field, nothing saved.
  await form.getByLabel('New password', { exact: true }).fill('short');
  await form.getByLabel('Confirm new password').fill('short');
  await form.getByRole('button', { name: 'Save password' }).click();
  await expect(passwordForm(page).getByLabel('New password', { exact: true })).toHaveAccessibleDescription(
    /Use at least 12 characters/,
  );
  await settle(page);
  await expectNoA11yViolations(page, { label: 'account page with a password error' });

  await passwordForm(page).getByLabel('New password', { exact: true }).fill('a perfectly long password');
  await passwordForm(page).getByLabel('Confirm new password').fill('a perfectly long passw0rd');
  await passwordForm(page).getByRole('button', { name: 'Save password' }).click();
  await expect(passwordForm(page).getByLabel('Confirm new password')).toHaveAccessibleDescription(
    /The passwords do not match/,
  );
  await settle(page);

  await passwordForm(page).getByLabel('New password', { exact: true }).fill('a perfectly long password');
  await passwordForm(page).getByLabel('Confirm new password').fill('a perfectly long password');
  await passwordForm(page).getByRole('button', { name: 'Save password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password saved.' })).toBeVisible();
  await settle(page);
  // Now that there is a password, changing it asks for the current one.
  await expect(page.getByRole('heading', { name: 'Change password' })).toBeVisible();
  await expect(passwordForm(page).getByLabel('Current password')).toBeVisible();
  await expectNoA11yViolations(page, { label: 'account page after setting a password' });

  await signOut(page);
  await signInWithPassword(page, customerEmail, 'a perfectly long password');
});

test('the display name is saved and shown again', async ({ page, customerEmail }) => {
  await signInAsCustomer(page, customerEmail);
  await profileForm(page).getByLabel('Display name').fill('Dana from Flat 4');
  await profileForm(page).getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Profile saved.' })).toBeVisible();
  await gotoAndSettle(page, '/account');
  await expect(profileForm(page).getByLabel('Display name')).toHaveValue('Dana from Flat 4');
  await expectNoA11yViolations(page, { label: 'account page after saving the profile' });
});

test('an admin disables a customer, whose session ends at once', async ({ page, browser, customerEmail }) => {
  test.setTimeout(60_000);
  const js = isJsEnabled(page);
  const customerContext = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
  jsEnabledByContext.set(customerContext, js);
  const customer = await customerContext.newPage();
  try {
    await signInAsCustomer(customer, customerEmail);

    await signInWithPassword(page, ACCOUNTS.admin.email, ACCOUNTS.admin.password);
    await gotoAndSettle(page, '/admin/users');
    await page.getByRole('row').filter({ hasText: customerEmail }).getByRole('button', { name: 'Disable' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: customerEmail })).toContainText('Disabled');
    await settle(page);
    await expectNoA11yViolations(page, { label: 'user administration after disabling' });

    await gotoAndSettle(customer, '/account');
    await expect(customer).toHaveURL(urlPath('/sign-in'));
    await expect(h1(customer, 'Sign in')).toBeVisible();

    // The admin cannot disable their own account.
    await page
      .getByRole('row')
      .filter({ hasText: ACCOUNTS.admin.email })
      .getByRole('button', { name: 'Disable' })
      .click();
    await expect(page.getByRole('alert').filter({ hasText: 'You cannot disable your own account' })).toBeVisible();
  } finally {
    await customerContext.close();
  }
});
