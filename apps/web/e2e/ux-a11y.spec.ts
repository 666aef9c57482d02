// Accessibility: axe-core (WCAG 2.1 A/AA + best practices) finds no serious or critical violation
// on any screen or open dialog, in light and dark; every page has exactly one h1.
import { ADMIN_PASSWORD, expect, shot, signIn, state, test } from './fixtures.ts';
import { ensureOrg, expectAccessible, readyAdmin } from './helpers.ts';


const SCREENS = [
  ['/o/wayne/users', 'Users'],
  ['/o/wayne/roles', 'Roles'],
  ['/o/wayne/invitations', 'Invitations'],
  ['/o/wayne/audit', 'Audit log'],
  ['/o/wayne/settings', 'Settings'],
  ['/account', 'My account'],
  ['/admin/organizations', 'All organizations'],
  ['/admin/users', 'All users'],
] as const;

test.beforeAll(async ({ api }) => {
  await readyAdmin(api);
  await ensureOrg(api, 'Wayne', 'wayne');
});

test('sign-in and the organization picker have no serious axe violation', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
  await expectAccessible(page, 'sign-in');
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto('/orgs');
  await expect(page.getByRole('heading', { name: 'Choose an organization' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
  await expectAccessible(page, 'organization picker');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`every screen: one h1 and no serious axe violation (${scheme})`, async ({ page }) => {
    test.setTimeout(300_000);
    await page.emulateMedia({ colorScheme: scheme });
    await signIn(page, state().adminEmail, ADMIN_PASSWORD);
    for (const [path, heading] of SCREENS) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
      await expectAccessible(page, `${path} (${scheme})`);
    }
    await page.goto('/o/wayne/users');
    if (scheme === 'dark') await shot(page, '30-users-dark');
  });
}

test('open menus (row actions, organization switcher): no serious axe violation; Enter focuses the first item, arrows move, Escape returns focus', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto('/o/wayne/users');
  for (const opener of [page.locator('[data-row-actions]').first(), page.getByTestId('org-switcher').first()]) {
    await opener.click();
    const menu = page.getByRole('menu');
    await expect(menu).toBeVisible();
    await expectAccessible(page, 'an open menu');
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    // Keyboard: Enter opens with the first item focused, ArrowDown moves on, Escape closes back to the opener.
    await opener.focus();
    await page.keyboard.press('Enter');
    await expect(menu).toBeVisible();
    const items = menu.getByRole('menuitem');
    await expect(items.first()).toBeFocused();
    if ((await items.count()) > 1) {
      await page.keyboard.press('ArrowDown');
      await expect(items.nth(1)).toBeFocused();
    }
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    await expect(opener).toBeFocused();
  }
});

test('open dialogs: named close buttons, focus inside, no serious axe violation', async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto('/o/wayne/users');
  const opener = page.getByRole('button', { name: 'Add users' });
  await opener.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Close dialog' })).toBeVisible();
  // Focus moved into the dialog.
  await expect(dialog.getByLabel(/^Email/)).toBeFocused();
  await expectAccessible(page, 'add users dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  // Focus returns to the button that opened it.
  await expect(opener).toBeFocused();

  await page.getByRole('button', { name: `Actions for ${state().adminEmail}` }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  await expect(page.getByRole('dialog').getByRole('tab', { name: 'Basic info' })).toBeVisible();
  await expectAccessible(page, 'edit user dialog');
  await page.getByRole('dialog').getByRole('tab', { name: 'Organization access' }).click();
  await expectAccessible(page, 'edit user dialog, access tab');
  await page.keyboard.press('Escape');

  await page.goto('/o/wayne/roles');
  await page.getByRole('button', { name: 'New custom role' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expectAccessible(page, 'custom role editor');
  await page.keyboard.press('Escape');

  await page.goto('/o/wayne/invitations');
  await page.getByRole('button', { name: 'Invite members' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expectAccessible(page, 'invite dialog');
});
