// Translations (issue 13 §8): the SPA speaks the browser's language (English for this en-US
// Chromium), My account switches to German at once, the choice survives a reload, <html lang>
// follows, dates and numbers change format, and switching back restores English.
import { ADMIN_PASSWORD, expect, shot, signIn, state, test } from './fixtures.ts';
import { ensureOrg, expectAccessible, readyAdmin } from './helpers.ts';

const SLUG = 'babel';

test.beforeAll(async ({ api }) => {
  await readyAdmin(api);
  await ensureOrg(api, 'Babel', SLUG);
});

test('My account switches the language to German, a reload keeps it, switching back restores English', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/users`);
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav.getByRole('link', { name: 'Users', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  await nav.getByRole('link', { name: 'My account', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await page.getByLabel('Language').selectOption('de');

  // The whole frame at once, without a reload: navigation, headings, <html lang>.
  const navigation = page.getByRole('navigation', { name: 'Hauptnavigation' });
  await expect(navigation.getByRole('link', { name: 'Mein Konto', exact: true })).toBeVisible();
  await expect(navigation.getByRole('link', { name: 'Benutzer', exact: true })).toBeVisible();
  await expect(navigation.getByRole('button', { name: 'Abmelden' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Mein Konto' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByLabel('Sprache')).toHaveValue('de');
  await shot(page, '60-account-german');
  await expectAccessible(page, 'My account in German');

  // Remembered in this browser: a reload starts in German (its catalog is the only one loaded).
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Mein Konto' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await navigation.getByRole('link', { name: 'Benutzer', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Benutzer' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Letzte Anmeldung' })).toBeVisible();
  await expect(page.getByLabel('Zeilen pro Seite')).toBeVisible();
  // Dates through Intl in German: "24. Nov. 2026" rather than "Nov 24, 2026".
  await expect(page.getByTestId(`member-row-${state().adminEmail}`)).toContainText(/\d{1,2}\. \S+ \d{4}/);

  await navigation.getByRole('link', { name: 'Mein Konto', exact: true }).click();
  await page.getByLabel('Sprache').selectOption('en');
  await expect(page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'My account', exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
});
