import {
  ACCOUNTS,
  STAFF_ACCOUNTS,
  expect,
  expectNoA11yViolations,
  expectSignedOutNav,
  gotoAndSettle,
  h1,
  magicLinkForm,
  navLink,
  openMagicLink,
  openSignIn,
  passwordForm,
  requestMagicLink,
  settle,
  signInAsCustomer,
  signInWithPassword,
  signOut,
  submitMagicLinkForm,
  submitPasswordForm,
  test,
  urlPath,
} from '../fixtures';
import type { Locator, Page } from '@playwright/test';

/** After signing out, /account is no longer available: it sends the visitor to /sign-in. */
async function expectAccountRequiresSignIn(page: Page): Promise<void> {
  await gotoAndSettle(page, '/account');
  await expect(page).toHaveURL(urlPath('/sign-in'));
  await expect(h1(page, 'Sign in')).toBeVisible();
  await expectSignedOutNav(page);
  await expectNoA11yViolations(page, { label: '/account while signed out' });
}

/**
 * "Enter your email address" next to the field: tied to the input (its accessible description, via
 * aria-describedby), so it is read out with the field. The same text may also appear in an error summary at
 * the top of the form, so the bare text is not a unique locator.
 */
async function expectEmailFieldError(form: Locator): Promise<void> {
  const email = form.getByLabel('Email address', { exact: true });
  await expect(email).toHaveAccessibleDescription(/Enter your email address/);
  await expect(form.getByText('Enter your email address', { exact: true }).last()).toBeVisible();
}

test.describe('password sign-in', () => {
  for (const account of STAFF_ACCOUNTS) {
    test(`${account.role} signs in with a password and signs out`, async ({ page }) => {
      await signInWithPassword(page, account.email, account.password);

      // Staff see the staff workspace link and admins the user administration; an editor sees neither.
      // (Whether an admin also gets "Staff" is not part of the contract, so it is not checked.)
      if (account.role === 'staff') {
        await expect(navLink(page, 'Staff')).toBeVisible();
      }
      if (account.role === 'editor') {
        await expect(navLink(page, 'Staff')).toHaveCount(0);
      }
      if (account.role === 'admin') {
        await expect(navLink(page, 'Users')).toBeVisible();
      } else {
        await expect(navLink(page, 'Users')).toHaveCount(0);
      }

      await signOut(page);
      await expectAccountRequiresSignIn(page);
    });
  }

  test('a wrong password shows an alert and does not sign in', async ({ page }) => {
    await openSignIn(page);
    await submitPasswordForm(page, ACCOUNTS.staff.email, 'not-the-password-000');

    await expect(page.getByRole('alert').filter({ hasText: 'Email or password is incorrect' })).toBeVisible();
    await settle(page);
    await expect(h1(page, 'Sign in')).toBeVisible();
    await expectSignedOutNav(page);
    await expectNoA11yViolations(page, { label: 'sign-in page after a wrong password' });
  });

  test('an empty email address is reported next to the field (password form)', async ({ page }) => {
    await openSignIn(page);
    await submitPasswordForm(page, '', ACCOUNTS.staff.password);

    await expectEmailFieldError(passwordForm(page));
    await settle(page);
    await expect(h1(page, 'Sign in')).toBeVisible();
    await expectSignedOutNav(page);
    await expectNoA11yViolations(page, { label: 'sign-in page after an empty email (password form)' });
  });

  test('an empty email address is reported next to the field (sign-in link form)', async ({ page }) => {
    await openSignIn(page);
    await submitMagicLinkForm(page, '');

    await expectEmailFieldError(magicLinkForm(page));
    await settle(page);
    await expect(h1(page, 'Sign in')).toBeVisible();
    await expectNoA11yViolations(page, { label: 'sign-in page after an empty email (link form)' });
  });
});

test.describe('magic-link sign-in', () => {
  test('a customer signs in with a link from the email and signs out', async ({ page, customerEmail }) => {
    await signInAsCustomer(page, customerEmail);

    await expect(navLink(page, 'Staff')).toHaveCount(0);
    await expect(navLink(page, 'Users')).toHaveCount(0);

    await signOut(page);
    await expectAccountRequiresSignIn(page);
  });

  test('opening the link alone does not sign in; Continue does', async ({ page, customerEmail }) => {
    const link = await requestMagicLink(page, customerEmail);

    // A GET of the link (as a mail scanner or link preview would do) shows the confirmation page only.
    await openMagicLink(page, link);
    await expect(navLink(page, 'Sign in')).toBeVisible();
    await expect(navLink(page, 'My account')).toHaveCount(0);

    await expectAccountRequiresSignIn(page);

    // That GET did not use the link up: opening it again and pressing Continue signs in.
    await openMagicLink(page, link);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await expect(page).toHaveURL(urlPath('/account'));
    await expect(h1(page, 'Your account')).toBeVisible();
    await settle(page);
    await expect(page.getByRole('main').getByText(customerEmail).first()).toBeVisible();
    await expect(navLink(page, 'My account')).toBeVisible();
    await expectNoA11yViolations(page, { label: 'account page after Continue' });
  });
});
