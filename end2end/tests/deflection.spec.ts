import {
  ACCOUNTS,
  expect,
  expectNoA11yViolations,
  gotoAndSettle,
  h1,
  isJsEnabled,
  settle,
  signInWithPassword,
  test,
  urlPath,
} from '../fixtures';
import type { Page } from '@playwright/test';

const requestForm = (page: Page) => page.getByRole('form', { name: 'Request service' });

/**
 * Deflection: while a customer describes the problem, help articles that may answer it appear beside the
 * form; one opens in a new tab and the half-filled form stays as it was.
 */
test('suggested articles appear while typing and open without losing the form', async ({ page }) => {
  test.skip(!isJsEnabled(page), 'suggestions while typing need JavaScript');
  await gotoAndSettle(page, '/requests/new');
  const form = requestForm(page);
  await form.getByLabel('Your name').fill('Ana Kowalska');
  await form.getByLabel('Short summary').pressSequentially('Radiator cold', { delay: 30 });
  const suggestions = page.getByRole('region', { name: 'Articles that may help' });
  const link = suggestions.getByRole('link', { name: /How to bleed a radiator/ });
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute('target', '_blank');
  expect(await suggestions.getByRole('listitem').count()).toBeLessThanOrEqual(3);
  await expectNoA11yViolations(page, { label: 'request form with suggestions' });

  const opened = page.waitForEvent('popup');
  await link.click();
  const article = await opened;
  await expect(h1(article, 'How to bleed a radiator')).toBeVisible();
  await article.close();

  await expect(page).toHaveURL(urlPath('/requests/new'));
  await expect(form.getByLabel('Your name')).toHaveValue('Ana Kowalska');
  await expect(form.getByLabel('Short summary')).toHaveValue('Radiator cold');

  // The description asks too; too little text clears the list.
  await form.getByLabel('Short summary').fill('');
  await form.getByLabel('Short summary').pressSequentially('x', { delay: 30 });
  await expect(suggestions).toHaveCount(0);
  await form.getByLabel('Describe the problem').pressSequentially('The boiler pressure keeps dropping', { delay: 20 });
  await expect(
    page.getByRole('region', { name: 'Articles that may help' }).getByRole('link').first(),
  ).toBeVisible();
});

/**
 * The content-gap queue: every section renders (with JavaScript and without), and an editor closes a
 * search that found nothing by linking the article that answers it; readers searching for it then find it.
 */
test('an editor closes a content gap with the article that answers it', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  const query = `zq${testInfo.project.name.replace(/[^a-z]/gi, '')}${Date.now()}`;
  await gotoAndSettle(page, `/help/search?q=${query}`);
  await expect(page.getByText('No articles match your search.')).toBeVisible();

  await signInWithPassword(page, ACCOUNTS.editor.email, ACCOUNTS.editor.password);
  await gotoAndSettle(page, '/editor');
  await page.getByRole('link', { name: 'Content gaps' }).click();
  await expect(h1(page, 'Content gaps')).toBeVisible();
  await settle(page);
  for (const section of [
    'Suggestions on the request form',
    'Searches that found nothing',
    'Closed gaps',
    'Articles voted not helpful',
    /Published articles not updated in \d+ months/,
  ]) {
    await expect(page.getByRole('region', { name: section })).toBeVisible();
  }
  await expect(
    page.getByRole('region', { name: 'Suggestions on the request form' }).getByText('Suggestions opened'),
  ).toBeVisible();
  await expectNoA11yViolations(page, { label: 'content gaps' });

  let close = page.getByRole('form', { name: `Close with an article: ${query}` });
  await close.getByLabel('Article address').fill('no-such-article');
  await close.getByRole('button', { name: 'Close gap' }).click();
  close = page.getByRole('form', { name: `Close with an article: ${query}` });
  await expect(close.getByLabel('Article address')).toHaveAttribute('aria-invalid', 'true');
  await expect(close.getByLabel('Article address')).toHaveValue('no-such-article');
  await settle(page);
  await expectNoA11yViolations(page, { label: 'content gaps with an error' });

  await close.getByLabel('Article address').fill('bleed-a-radiator');
  await close.getByRole('button', { name: 'Close gap' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Closed.' })).toBeVisible();
  const closed = page.getByRole('region', { name: 'Closed gaps' }).getByRole('row').filter({ hasText: query });
  await expect(closed.getByRole('link', { name: 'How to bleed a radiator' })).toBeVisible();
  await expect(page.getByRole('form', { name: `Close with an article: ${query}` })).toHaveCount(0);
  await settle(page);
  await expectNoA11yViolations(page, { label: 'content gaps after closing one' });

  // A reader who searches for the same words now finds the article.
  const reader = await browser.newPage({ baseURL: process.env.E2E_BASE_URL });
  try {
    await reader.goto(`/help/search?q=${query}`);
    await expect(reader.getByRole('link', { name: 'How to bleed a radiator' })).toBeVisible();
  } finally {
    await reader.close();
  }
});
