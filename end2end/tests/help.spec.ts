import { expect, expectNoA11yViolations, gotoAndSettle, h1, navLink, settle, test } from '../fixtures';

/**
 * The help centre: topics and articles rendered on the server, a shareable search page with highlighted
 * matches, and "Was this helpful?" that works with JavaScript on and off.
 */
test('a visitor browses, searches and votes on an article', async ({ page }) => {
  test.setTimeout(60_000);
  await gotoAndSettle(page, '/');
  await navLink(page, 'Help').click();
  await expect(h1(page, 'Help centre')).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'help centre' });

  await page.getByRole('link', { name: 'Heating', exact: true }).first().click();
  await expect(page.getByRole('link', { name: 'How to bleed a radiator' })).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'help topic' });

  const search = page.getByRole('search', { name: 'Search the help centre' });
  await search.getByLabel('Search the help centre').fill('radiat');
  await search.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/help\/search\?q=radiat/);
  await expect(h1(page, 'Search the help centre')).toBeVisible();
  const first = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'How to bleed a radiator' }) });
  await expect(first.locator('mark').first()).toHaveText(/radiat/i);
  await settle(page);
  await expectNoA11yViolations(page, { label: 'help search results' });

  await first.getByRole('link', { name: 'How to bleed a radiator' }).click();
  await expect(h1(page, 'How to bleed a radiator')).toBeVisible();
  await expect(page.getByRole('article')).toContainText('cold at the top and warm at the bottom');
  await settle(page);
  await expectNoA11yViolations(page, { label: 'help article' });

  const feedback = page.getByRole('region', { name: 'Was this helpful?' });
  await feedback.getByLabel('What was missing? (optional)').fill('Where is the bleed valve on a towel rail?');
  await feedback.getByRole('button', { name: 'No', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Was this helpful?' }).getByRole('status')).toContainText(
    'Thank you for your feedback.',
  );
  await settle(page);
  await expectNoA11yViolations(page, { label: 'help article after voting' });
});

/** A hostile search query comes back as text: no script runs, no dialog opens. */
test('a search for markup shows it as text', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', async (dialog) => {
    dialogs += 1;
    await dialog.dismiss();
  });
  await gotoAndSettle(page, `/help/search?q=${encodeURIComponent('<script>alert(1)</script><img src=x onerror=alert(2)>')}`);
  await expect(h1(page, 'Search the help centre')).toBeVisible();
  await expect(page.getByRole('searchbox', { name: 'Search the help centre' })).toHaveValue(
    '<script>alert(1)</script><img src=x onerror=alert(2)>',
  );
  await expect(page.getByText('No articles match your search.')).toBeVisible();
  expect(dialogs).toBe(0);
  await expectNoA11yViolations(page, { label: 'help search without results' });
});
