import {
  expect,
  expectNoA11yViolations,
  expectPageChrome,
  gotoAndSettle,
  h1,
  navLink,
  test,
} from '../fixtures';

test.describe('unknown addresses', () => {
  for (const path of ['/no-such-page', '/help/no/such/page']) {
    test(`${path} shows "Page not found" with HTTP 404`, async ({ page }) => {
      const response = await gotoAndSettle(page, path);
      expect(response, `no response for ${path}`).not.toBeNull();
      expect(response!.status(), `HTTP status of ${path}`).toBe(404);
      await expect(h1(page, 'Page not found')).toBeVisible();
      await expectPageChrome(page);
      await expect(navLink(page, 'Home')).toBeVisible();
      await expectNoA11yViolations(page, { label: '404 page' });
    });
  }
});
