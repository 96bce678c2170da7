import {
  dayFromNow,
  expect,
  expectNoA11yViolations,
  fillPreferredTime,
  gotoAndSettle,
  h1,
  isJsEnabled,
  settle,
  test,
  urlPath,
} from '../fixtures';
import type { Page } from '@playwright/test';

const requestForm = (page: Page) => page.getByRole('form', { name: 'Request service' });

/**
 * A customer without an account asks for service: the form reports every problem beside its field and keeps
 * what was typed; a valid request lands on its private tracking page with the reference, the expected first
 * response and the timeline. Works the same with JavaScript off (plain form posts).
 */
test('a visitor files a service request and follows it by its private link', async ({ page }) => {
  await gotoAndSettle(page, '/');
  await page.getByRole('link', { name: 'Request service' }).click();
  await expect(h1(page, 'Request service')).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'request form' });

  let form = requestForm(page);
  await form.getByLabel('Your name').fill('Ana Kowalska');
  await form.getByLabel('Email address').fill('ana@');
  await form.getByLabel('Short summary').fill('Sink');
  await form.getByRole('button', { name: 'Send request' }).click();

  form = requestForm(page);
  await expect(form.getByLabel('Email address')).toHaveAccessibleDescription(/Enter an email address like/);
  await expect(form.getByLabel('What needs fixing?')).toHaveAccessibleDescription(/Choose what needs fixing/);
  await expect(form.getByLabel('Short summary')).toHaveAccessibleDescription(/Use at least 5 characters/);
  await expect(form.getByLabel('Service address')).toHaveAccessibleDescription(/This field is required/);
  await expect(
    form.getByRole('group', { name: 'Preferred time 1' }).getByLabel('Date'),
  ).toHaveAccessibleDescription(/This field is required/);
  await expect(form.getByLabel('Your name')).toHaveValue('Ana Kowalska');
  await expect(page.getByRole('alert').filter({ hasText: 'There is a problem' })).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'request form with errors' });

  await form.getByLabel('Email address').fill('ana@example.com');
  await form.getByLabel('Service address').fill('ul. Długa 5, 31-000 Kraków');
  await form.getByLabel('What needs fixing?').selectOption({ label: 'Plumbing' });
  await form.getByLabel('Short summary').fill('Kitchen sink is leaking');
  await form.getByLabel('Describe the problem').fill('Water drips from the trap under the sink since this morning.');
  await fillPreferredTime(form, 1, dayFromNow(1), 'Evening');
  await form.getByRole('button', { name: 'Send request' }).click();

  await expect(page).toHaveURL(/\/track\/[A-Za-z0-9_-]{43}\?new=1$/);
  await expect(h1(page, 'Your service request')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Request received' })).toBeVisible();
  await expect(page.getByText(/^SR-\d{4}-\d{6,}$/)).toBeVisible();
  await expect(page.getByText('within 4 hours')).toBeVisible();
  await expect(page.getByText('Kitchen sink is leaking')).toBeVisible();
  await expect(page.getByText(`${dayFromNow(1)}, Evening (17:00–20:00)`)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('listitem')).toHaveText([
    /Status changed to Received/,
  ]);
  await settle(page);
  await expectNoA11yViolations(page, { label: 'tracking page after submitting' });

  // The private link alone (as emailed) shows the job, without the confirmation.
  const link = new URL(page.url());
  await gotoAndSettle(page, link.pathname);
  await expect(h1(page, 'Your service request')).toBeVisible();
  await expect(page.getByText('Request received')).toHaveCount(0);
  await expect(page.getByText('Kitchen sink is leaking')).toBeVisible();
});

test('a made-up tracking link finds nothing', async ({ page }) => {
  const response = await gotoAndSettle(page, '/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  expect(response?.status()).toBe(404);
  await expect(page).toHaveURL(urlPath('/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
  await expect(h1(page, 'Request not found')).toBeVisible();
  await expectNoA11yViolations(page, { label: 'unknown tracking link' });
});

/** With JavaScript, a field is checked as soon as it is left (the same rules the server applies on submit). */
test('fields are checked when they are left', async ({ page }) => {
  test.skip(!isJsEnabled(page), 'inline validation runs in the browser');
  await gotoAndSettle(page, '/requests/new');
  const form = requestForm(page);
  await form.getByLabel('Email address').fill('ana@');
  await form.getByLabel('Phone (optional)').focus();
  await expect(form.getByLabel('Email address')).toHaveAccessibleDescription(/Enter an email address like/);
  await expect(form.getByLabel('Short summary')).not.toHaveAccessibleDescription(/required/);
  const first = form.getByRole('group', { name: 'Preferred time 1' });
  await first.getByLabel('Date').fill(dayFromNow(-2));
  await first.getByLabel('Part of day').focus();
  await expect(first.getByLabel('Date')).toHaveAccessibleDescription(/Choose a date that is not in the past/);
  await form.getByLabel('Email address').fill('ana@example.com');
  await form.getByLabel('Phone (optional)').focus();
  await expect(form.getByLabel('Email address')).not.toHaveAccessibleDescription(/Enter an email address like/);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expectNoA11yViolations(page, { label: 'request form with an inline error' });
});
