import {
  expect,
  expectNoA11yViolations,
  expectPageChrome,
  footer,
  gotoAndSettle,
  h1,
  settle,
  test,
} from '../fixtures';
import type { Page } from '@playwright/test';

const ENGLISH = { code: 'en', label: 'Language', button: 'Change language', home: 'How can we help?' };
const POLISH = { code: 'pl', label: 'Język', button: 'Zmień język', home: 'Jak możemy pomóc?' };
type Locale = typeof ENGLISH;

/** Picks a language in the footer switcher, currently labelled in `from`'s language, and submits it. */
async function switchLanguage(page: Page, from: Locale, to: Locale): Promise<void> {
  const switcher = footer(page);
  await switcher.getByRole('combobox', { name: from.label, exact: true }).selectOption(to.code);
  await switcher.getByRole('button', { name: from.button, exact: true }).click();
  await expect(switcher.getByRole('button', { name: to.button, exact: true })).toBeVisible();
  await settle(page);
}

/** The switcher and the document language are those of `locale`. */
async function expectLocale(page: Page, locale: Locale): Promise<void> {
  const switcher = footer(page);
  await expect(switcher.getByRole('button', { name: locale.button, exact: true })).toBeVisible();
  const select = switcher.getByRole('combobox', { name: locale.label, exact: true });
  await expect(select).toBeVisible();
  await expect(select).toHaveValue(locale.code);
  // WCAG 3.1.1: assistive technology reads the page in the language <html lang> names.
  await expect(page.locator('html')).toHaveAttribute('lang', new RegExp(`^${locale.code}(-|$)`, 'i'));
}

test.describe('language switcher', () => {
  test('switches to Polski and back, and the choice is kept across pages', async ({ page }) => {
    await gotoAndSettle(page, '/');
    await expect(h1(page, ENGLISH.home)).toBeVisible();
    await expectPageChrome(page);
    await expectLocale(page, ENGLISH);
    await expectNoA11yViolations(page, { label: 'home (English)' });

    await switchLanguage(page, ENGLISH, POLISH);
    await expect(h1(page, POLISH.home)).toBeVisible();
    await expectLocale(page, POLISH);
    await expectNoA11yViolations(page, { label: 'home (Polish)' });

    // The cookie keeps Polish on a fresh page load of another page...
    await gotoAndSettle(page, '/sign-in');
    await expectLocale(page, POLISH);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(h1(page, 'Sign in')).toHaveCount(0);
    await expectNoA11yViolations(page, { label: '/sign-in (Polish)' });

    // ...and on coming back home.
    await gotoAndSettle(page, '/');
    await expect(h1(page, POLISH.home)).toBeVisible();
    await expectLocale(page, POLISH);

    await switchLanguage(page, POLISH, ENGLISH);
    await expect(h1(page, ENGLISH.home)).toBeVisible();
    await expectLocale(page, ENGLISH);
    await expectNoA11yViolations(page, { label: 'home (back to English)' });

    await gotoAndSettle(page, '/sign-in');
    await expect(h1(page, 'Sign in')).toBeVisible();
    await expectLocale(page, ENGLISH);
    await expectNoA11yViolations(page, { label: '/sign-in (English again)' });
  });
});
