import {
  ACCOUNTS,
  REVIEWER,
  expect,
  expectNoA11yViolations,
  gotoAndSettle,
  h1,
  isJsEnabled,
  jsEnabledByContext,
  settle,
  signInWithPassword,
  test,
} from '../fixtures';

/**
 * The knowledge-base workflow: an editor drafts an article and sends it for review, a second editor
 * publishes it, and a visitor finds it through search and says it helped. Then the author edits the published
 * article: the change waits (readers keep the published text) until the second editor publishes it.
 */
test('an article goes from draft through review to a reader', async ({ page, browser }, testInfo) => {
  test.setTimeout(240_000);
  const js = isJsEnabled(page);
  const marker = `qz${testInfo.project.name.replace('-', '')}${Date.now()}`;
  const slug = `descale-kettle-${marker}`;

  await signInWithPassword(page, ACCOUNTS.editor.email, ACCOUNTS.editor.password);
  await gotoAndSettle(page, '/editor');
  await expect(h1(page, 'Knowledge base editor')).toBeVisible();
  await expectNoA11yViolations(page, { label: 'editor list' });
  await page.getByRole('link', { name: 'New article' }).click();
  await expect(h1(page, 'New article')).toBeVisible();
  await settle(page);
  const form = page.getByRole('form', { name: 'Edit article' });
  await form.getByLabel('Category').selectOption({ index: 1 });
  await form.getByLabel("Slug (the article's address)").fill(slug);
  await form.getByLabel('Title').fill(`Descaling a kettle ${marker}`);
  await form
    .getByLabel('Text (Markdown)')
    .fill(`## Why\n\nLimescale slows heating (${marker}).\n\n## How\n\n1. Fill with vinegar.\n2. Boil and rinse.`);
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved. A new revision was recorded.')).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'editor article after saving' });
  const articleUrl = page.url();
  expect(articleUrl).toMatch(/\/editor\/articles\/\d+/);

  const workflow = page.getByRole('form', { name: 'Workflow' });
  await workflow.getByRole('button', { name: 'Send for review' }).click();
  await expect(page.getByRole('form', { name: 'Workflow' }).getByRole('button', { name: 'Back to draft' })).toBeVisible();
  await settle(page);

  // The second editor publishes it.
  const context = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
  jsEnabledByContext.set(context, js);
  const reviewer = await context.newPage();
  try {
    await signInWithPassword(reviewer, REVIEWER.email, REVIEWER.password);
    await gotoAndSettle(reviewer, new URL(articleUrl).pathname);
    await reviewer.getByRole('form', { name: 'Workflow' }).getByRole('button', { name: 'Publish' }).click();
    await expect(reviewer.getByRole('form', { name: 'Workflow' }).getByRole('button', { name: 'Archive' })).toBeVisible();
    await settle(reviewer);
    await expectNoA11yViolations(reviewer, { label: 'editor article, published' });

    // The author edits the published article: the change waits for the workflow.
    await gotoAndSettle(page, new URL(articleUrl).pathname);
    const edit = page.getByRole('form', { name: 'Edit article' });
    await edit.getByLabel('Text (Markdown)').fill(`## Why\n\nDescale every month (${marker}-v2).`);
    await edit.getByRole('button', { name: 'Save' }).click();
    const changes = page.getByRole('region', { name: 'Changes waiting to be published' });
    await expect(changes).toBeVisible();
    await expect(changes.getByText(`+ Descale every month (${marker}-v2).`)).toBeVisible();
    await settle(page);
    await expectNoA11yViolations(page, { label: 'editor article with a waiting change' });
    await changes.getByRole('button', { name: 'Send changes for review' }).click();
    await expect(
      page.getByRole('form', { name: 'Changes workflow' }).getByRole('button', { name: 'Send changes back to draft' }),
    ).toBeVisible();
    await settle(page);

    // Until the second editor publishes it, readers get the published text.
    const visitor = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
    jsEnabledByContext.set(visitor, js);
    try {
      const reader = await visitor.newPage();
      await gotoAndSettle(reader, `/help/articles/${slug}`);
      await expect(reader.getByText(`Limescale slows heating (${marker}).`)).toBeVisible();
      await expect(reader.getByText(`(${marker}-v2)`)).toHaveCount(0);

      await gotoAndSettle(reviewer, new URL(articleUrl).pathname);
      await reviewer.getByRole('form', { name: 'Changes workflow' }).getByRole('button', { name: 'Publish changes' }).click();
      await expect(reviewer.getByRole('region', { name: 'Changes waiting to be published' })).toHaveCount(0);
      await settle(reviewer);

      await gotoAndSettle(reader, `/help/articles/${slug}`);
      await expect(reader.getByText(`Descale every month (${marker}-v2).`)).toBeVisible();
    } finally {
      await visitor.close();
    }
  } finally {
    await context.close();
  }

  // A visitor finds it and votes.
  await page.context().clearCookies();
  await gotoAndSettle(page, `/help/search?q=${marker}`);
  await page.getByRole('link', { name: `Descaling a kettle ${marker}` }).click();
  await expect(h1(page, `Descaling a kettle ${marker}`)).toBeVisible();
  await expect(page.getByText(`Descale every month (${marker}-v2).`)).toBeVisible();
  await settle(page);
  const feedback = page.getByRole('region', { name: 'Was this helpful?' });
  await feedback.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Was this helpful?' }).getByRole('status')).toContainText(
    'Thank you for your feedback.',
  );
});
