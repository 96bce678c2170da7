import {
  ACCOUNTS,
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
import type { Page } from '@playwright/test';

async function fileRequest(page: Page, summary: string): Promise<void> {
  await gotoAndSettle(page, '/requests/new');
  const form = page.getByRole('form', { name: 'Request service' });
  await form.getByLabel('Your name').fill('Ben Customer');
  await form.getByLabel('Email address').fill('ben@example.com');
  await form.getByLabel('Service address').fill('12 Garden Road, Springfield');
  await form.getByLabel('What needs fixing?').selectOption({ label: 'Heating and cooling' });
  await form.getByLabel('Short summary').fill(summary);
  await form.getByLabel('Describe the problem').fill('The boiler shows error E119 and the heating is off.');
  await form.getByRole('button', { name: 'Send request' }).click();
  await expect(h1(page, 'Your service request')).toBeVisible();
  await settle(page);
}

/**
 * The heart of the portal: staff move a job along and the customer's open tracking page follows without a
 * reload (JavaScript on, over SSE); with JavaScript off a reload shows the current state.
 */
test('staff schedule a job and send the technician; the customer sees it live', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  const js = isJsEnabled(page);
  const summary = `Boiler error ${testInfo.project.name} ${Date.now()}`;
  await fileRequest(page, summary);
  const status = page.getByText(/^Status: /);
  await expect(status).toContainText('Received');
  if (js) await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const staffContext = await browser.newContext({ javaScriptEnabled: js, baseURL: process.env.E2E_BASE_URL });
  jsEnabledByContext.set(staffContext, js);
  const staff = await staffContext.newPage();
  try {
    await signInWithPassword(staff, ACCOUNTS.staff.email, ACCOUNTS.staff.password);
    await gotoAndSettle(staff, '/staff');
    const row = staff.getByRole('row').filter({ hasText: summary });
    await expect(row).toContainText('Received');
    await expectNoA11yViolations(staff, { label: 'staff workspace with requests' });
    await row.getByRole('link').click();
    await expect(staff.getByRole('heading', { level: 1 })).toContainText(summary);
    await settle(staff);
    await expectNoA11yViolations(staff, { label: 'staff job page' });

    const form = staff.getByRole('form', { name: 'Change status' });
    await form.getByLabel('New status').selectOption({ label: 'Scheduled' });
    await form.getByRole('button', { name: 'Save status' }).click();
    await expect(staff.getByText(/^Status: /)).toContainText('Scheduled');
    await settle(staff);

    if (js) {
      await expect(status).toContainText('Scheduled', { timeout: 5_000 });
    } else {
      await page.reload();
      await expect(page.getByText(/^Status: /)).toContainText('Scheduled');
    }

    // An internal note and a public reply: the customer gets the reply only.
    const note = staff.getByRole('form', { name: 'Reply or note' });
    await note.getByLabel('Message').fill('Gate code 4711, dog in the yard');
    await note.getByLabel('Internal note (never shown to the customer)').check();
    await note.getByRole('button', { name: 'Post' }).click();
    await expect(staff.getByRole('region', { name: 'Timeline' })).toContainText('Gate code 4711');
    await settle(staff);
    // The form starts over after posting: the internal tick does not carry over to the reply.
    await expect(
      staff.getByRole('form', { name: 'Reply or note' }).getByLabel('Internal note (never shown to the customer)'),
    ).not.toBeChecked();
    await expect(staff.getByRole('form', { name: 'Reply or note' }).getByLabel('Message')).toHaveValue('');
    await staff.getByRole('form', { name: 'Reply or note' }).getByLabel('Message').fill('We will be there between 9 and 11.');
    await staff.getByRole('form', { name: 'Reply or note' }).getByRole('button', { name: 'Post' }).click();
    await expect(staff.getByRole('region', { name: 'Timeline' })).toContainText('We will be there between 9 and 11.');
    await settle(staff);

    await staff.getByRole('form', { name: 'Change status' }).getByLabel('New status').selectOption({ label: 'On the way' });
    await staff.getByRole('form', { name: 'Change status' }).getByRole('button', { name: 'Save status' }).click();
    await expect(staff.getByText(/^Status: /)).toContainText('On the way');
    await expectNoA11yViolations(staff, { label: 'staff job page after two changes' });
  } finally {
    await staffContext.close();
  }

  if (js) {
    await expect(page.getByText(/^Status: /)).toContainText('On the way', { timeout: 5_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  } else {
    await page.reload();
    await expect(page.getByText(/^Status: /)).toContainText('On the way');
  }
  await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('listitem')).toHaveText([
    /Received/,
    /Scheduled/,
    /Reply from the team: We will be there between 9 and 11\./,
    /On the way/,
  ]);
  await expect(page.getByText('Gate code 4711')).toHaveCount(0);
  await expectNoA11yViolations(page, { label: 'tracking page after live updates' });
});
