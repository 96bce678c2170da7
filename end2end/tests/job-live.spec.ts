import {
  ACCOUNTS,
  dayFromNow,
  expect,
  expectNoA11yViolations,
  fileRequest,
  gotoAndSettle,
  h1,
  isJsEnabled,
  jsEnabledByContext,
  PNG_1X1,
  settle,
  signInWithPassword,
  test,
  timeFromNow,
} from '../fixtures';
import type { Browser, Page } from '@playwright/test';

/** A second browser (the staff member's), with JavaScript on or off like the customer's. */
async function staffPage(browser: Browser, js: boolean): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
  jsEnabledByContext.set(context, js);
  const staff = await context.newPage();
  await signInWithPassword(staff, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
  return staff;
}

/** Waits for `locator` text on `page`: live with JavaScript, after a reload without. */
async function seeOn(page: Page, js: boolean, check: () => Promise<void>): Promise<void> {
  if (!js) {
    await page.reload();
    await settle(page);
  }
  await check();
}

/**
 * The heart of the portal: a customer files a request with a photo; staff (another browser) confirm one of
 * the customer's windows and send the technician with an ETA; the customer's open tracking page shows both
 * without a reload (JavaScript on, over SSE; without JavaScript a reload shows the current state). The customer
 * replies and staff see it on their open job page; an internal note never reaches the customer; the customer
 * cancels a different job.
 */
test('a job is scheduled and sent live, the customer replies, and cancels another job', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const js = isJsEnabled(page);
  const summary = `Boiler error ${testInfo.project.name} ${Date.now()}`;
  await fileRequest(page, { name: 'Ben Customer', email: 'ben@example.com', category: 'Heating and cooling', summary, photo: true });
  await expect(page.getByRole('img', { name: 'Photo 1 of 1' })).toBeVisible();
  const status = page.getByText(/^Status: /);
  await expect(status).toContainText('Received');
  const tracking = page.url();
  if (js) await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const staff = await staffPage(browser, js);
  try {
    await gotoAndSettle(staff, '/staff');
    const row = staff.getByRole('row').filter({ hasText: summary });
    await expect(row).toContainText('Received');
    await expectNoA11yViolations(staff, { label: 'staff board' });
    await row.getByRole('link').click();
    await expect(staff.getByRole('heading', { level: 1 })).toContainText(summary);
    await settle(staff);
    await expectNoA11yViolations(staff, { label: 'staff job page' });
    await expect(staff.getByRole('img', { name: 'Photo 1 of 1' })).toBeVisible();

    // Confirm the customer's second window.
    const confirm = staff.getByRole('form', { name: 'Confirm the visit' });
    await confirm.getByLabel(`${dayFromNow(2)}, Afternoon (12:00–17:00)`).check();
    await confirm.getByRole('button', { name: 'Confirm visit' }).click();
    await expect(staff.getByText(/^Status: /)).toContainText('Scheduled');
    await settle(staff);
    await seeOn(page, js, async () => {
      await expect(page.getByText(/^Status: /)).toContainText('Scheduled', { timeout: 5_000 });
      await expect(page.getByText(/^Confirmed visit:/)).toContainText(`${dayFromNow(2)}, Afternoon`);
    });

    // An internal note, then on the way with an ETA (a missing ETA is refused beside its field).
    const note = staff.getByRole('form', { name: 'Reply or note' });
    await note.getByLabel('Message').fill('Gate code 4711, dog in the yard');
    await note.getByLabel('Internal note (never shown to the customer)').check();
    await note.getByRole('button', { name: 'Post' }).click();
    await expect(staff.getByRole('region', { name: 'Timeline' })).toContainText('Gate code 4711');
    await settle(staff);

    // A half-written message on the customer's page survives the live update that follows.
    if (js) await page.getByRole('form', { name: 'Write to us' }).getByLabel('Your message').fill('Half-written');
    let move = staff.getByRole('form', { name: 'Change status' });
    await move.getByLabel('New status').selectOption({ label: 'On the way' });
    await move.getByRole('button', { name: 'Save status' }).click();
    move = staff.getByRole('form', { name: 'Change status' });
    await expect(move.getByLabel('Expected arrival (UTC)')).toHaveAccessibleDescription(/This field is required/);
    await settle(staff);
    await move.getByLabel('New status').selectOption({ label: 'On the way' });
    const eta = timeFromNow(90);
    await move.getByLabel('Expected arrival (UTC)').fill(eta);
    await move.getByRole('button', { name: 'Save status' }).click();
    await expect(staff.getByText(/^Status: /)).toContainText('On the way');
    await settle(staff);
    await expectNoA11yViolations(staff, { label: 'staff job page, technician on the way' });

    await seeOn(page, js, async () => {
      await expect(page.getByText(/^Status: /)).toContainText('On the way', { timeout: 5_000 });
      await expect(page.getByText(/^Expected arrival:/)).toContainText(`${eta.replace('T', ' ')} UTC`);
    });
    if (js) {
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
      await expect(page.getByRole('form', { name: 'Write to us' }).getByLabel('Your message')).toHaveValue('Half-written');
    }
    await expect(page.getByText('Gate code 4711')).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('listitem')).toHaveText([
      /Status changed to Received/,
      /Visit confirmed for/,
      /Status changed to On the way · expected arrival/,
    ]);
    await expectNoA11yViolations(page, { label: 'tracking page after live updates' });

    // The customer writes; staff see it on the job page they have open.
    const reply = page.getByRole('form', { name: 'Write to us' });
    await reply.getByLabel('Your message').fill('Please ring twice, the bell is quiet.');
    await reply.getByLabel('Photos (optional)').setInputFiles({ name: 'gate.png', mimeType: 'image/png', buffer: PNG_1X1 });
    await reply.getByRole('button', { name: 'Send message' }).click();
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('You wrote: Please ring twice');
    await expect(page.getByRole('img', { name: 'Photo 2 of 2' })).toBeVisible();
    await expect(page.getByRole('form', { name: 'Write to us' }).getByLabel('Your message')).toHaveValue('');
    await seeOn(staff, js, async () => {
      await expect(staff.getByRole('region', { name: 'Timeline' })).toContainText(
        'Customer wrote: Please ring twice, the bell is quiet.',
        { timeout: 5_000 },
      );
      await expect(staff.getByRole('img', { name: 'Photo 2 of 2' })).toBeVisible();
    });
  } finally {
    await staff.context().close();
  }

  // A different job: cancelled by the customer with a reason (a reason is required).
  await fileRequest(page, { name: 'Ben Customer', email: 'ben@example.com', category: 'Plumbing', summary: `Tap ${summary}` });
  expect(page.url()).not.toBe(tracking);
  let cancel = page.getByRole('form', { name: 'Cancel this request' });
  await cancel.getByRole('button', { name: 'Cancel request' }).click();
  cancel = page.getByRole('form', { name: 'Cancel this request' });
  await expect(cancel.getByLabel('Why are you cancelling?')).toHaveAccessibleDescription(/This field is required/);
  await settle(page);
  await cancel.getByLabel('Why are you cancelling?').fill('Fixed it myself');
  await cancel.getByRole('button', { name: 'Cancel request' }).click();
  await expect(page.getByText(/^Status: /)).toContainText('Cancelled');
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Cancelled by the customer: Fixed it myself');
  await expect(page.getByRole('form', { name: 'Cancel this request' })).toHaveCount(0);
  await settle(page);
  await expectNoA11yViolations(page, { label: 'tracking page of a cancelled job' });
  await expect(h1(page, 'Your service request')).toBeVisible();
});
