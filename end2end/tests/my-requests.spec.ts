import {
  dayFromNow,
  expect,
  expectNoA11yViolations,
  fileRequest,
  fillPreferredTime,
  gotoAndSettle,
  h1,
  isJsEnabled,
  navLink,
  settle,
  signInAsCustomer,
  test,
} from '../fixtures';

/**
 * A request filed without an account belongs to the customer once they sign in by a link sent to the same
 * address: "My requests" lists it with its status, and opens it (live, with JavaScript) to propose new times.
 */
test('requests filed before signing in appear under My requests', async ({ page, customerEmail }, testInfo) => {
  test.setTimeout(60_000);
  const summary = `Dishwasher ${testInfo.project.name} ${Date.now()}`;
  await fileRequest(page, { name: 'Cleo Customer', email: customerEmail, category: 'Appliance repair', summary });

  await signInAsCustomer(page, customerEmail);
  await navLink(page, 'My requests').click();
  await expect(h1(page, 'My requests')).toBeVisible();
  await settle(page);
  const item = page.getByRole('listitem').filter({ hasText: summary });
  await expect(item).toContainText('Received');
  await expectNoA11yViolations(page, { label: 'my requests' });

  await item.getByRole('link').click();
  await expect(h1(page, 'Your service request')).toBeVisible();
  await expect(page.getByText(summary)).toBeVisible();
  await settle(page);
  await expectNoA11yViolations(page, { label: 'my request, opened from the list' });

  // Propose other times: a past date is refused beside its field, then the new time replaces the old ones.
  let form = page.getByRole('form', { name: 'Ask for another time' });
  await fillPreferredTime(form, 1, dayFromNow(-1), 'Morning');
  await form.getByRole('button', { name: 'Send new times' }).click();
  form = page.getByRole('form', { name: 'Ask for another time' });
  await expect(
    form.getByRole('group', { name: 'Preferred time 1' }).getByLabel('Date'),
  ).toHaveAccessibleDescription(/Choose a date that is not in the past/);
  await settle(page);
  await fillPreferredTime(form, 1, dayFromNow(4), 'Evening');
  await form.getByRole('button', { name: 'Send new times' }).click();
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText(
    `New preferred times requested: ${dayFromNow(4)}, Evening (17:00–20:00)`,
  );
  await expect(page.getByRole('definition').filter({ hasText: `${dayFromNow(4)}, Evening` })).toBeVisible();
  await expect(page.getByText(`${dayFromNow(1)}, Morning`)).toHaveCount(0);
  if (isJsEnabled(page)) await settle(page);
  await expectNoA11yViolations(page, { label: 'my request after proposing new times' });
});

test('someone else’s request id shows nothing', async ({ page, customerEmail }) => {
  await signInAsCustomer(page, customerEmail);
  const response = await gotoAndSettle(page, '/my/requests/1');
  expect(response?.status()).toBe(404);
  await expect(h1(page, 'Request not found')).toBeVisible();
});
