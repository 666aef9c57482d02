// Issue 13, built for 10,000 members: the users table's role selector in the row, bulk actions
// whose items may partly fail, pending invitations in the table with a count in the navigation,
// the read-only member detail view, and the card layout below 600 px. Runs in an organization of
// its own ("Vandelay"); axe-core checks every new screen.
import type { Page } from '@playwright/test';
import { ADMIN_PASSWORD, expect, shot, signIn, state, test, type Api } from './fixtures.ts';
import { choosePassword, ensureOrg, expectAccessible, membershipId, provision, readyAdmin } from './helpers.ts';

test.describe.configure({ mode: 'serial', timeout: 240_000 });

const SLUG = 'vandelay';
const VIEWER_PASSWORD = 'Vic-Views-Only-Password-7';
let org: { id: string; roles: Record<string, string> };

const person = (first: string, last: string, role: string) => ({
  email: `${first.toLowerCase()}.${last.toLowerCase()}@vandelay.example`,
  firstName: first,
  lastName: last,
  roleIds: [org.roles[role]!],
});

/** The users page, waited for (the shared machine can take a while to load the chunks). */
async function openUsers(page: Page) {
  await page.goto(`/o/${SLUG}/users`);
  await expect(page.getByText(/ of \d+ members/)).toBeVisible({ timeout: 30_000 });
}

async function invite(api: Api, emails: string[]) {
  await api.gql(`mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) { __typename ... on Error { message } } }`, {
    o: org.id, e: emails, r: [org.roles.viewer],
  });
}

test.beforeAll(async ({ api }) => {
  await readyAdmin(api);
  org = await ensureOrg(api, 'Vandelay', SLUG);
  const temp = await provision(api, org.id, [
    person('Alice', 'Row', 'viewer'),
    person('Bob', 'Bulk', 'viewer'),
    person('Carol', 'Bulk', 'viewer'),
    person('Dave', 'Gone', 'viewer'),
    person('Vic', 'Viewer', 'viewer'),
  ]);
  await choosePassword(api, 'vic.viewer@vandelay.example', temp['vic.viewer@vandelay.example']!, VIEWER_PASSWORD);
  await readyAdmin(api);
});

test('R3/R4: the role selector in the row changes a role; your own row says why it is off', async ({ page }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  const row = page.getByTestId('member-row-alice.row@vandelay.example');
  await row.getByRole('button', { name: /^Roles of alice\.row@vandelay\.example:.*Viewer/ }).click();
  const popover = page.getByRole('dialog', { name: /^Roles of alice\.row@vandelay\.example/ });
  await expect(popover.getByRole('checkbox', { name: 'Developer' })).toBeEnabled();
  await expectAccessible(page, 'row role popover');
  await popover.getByRole('checkbox', { name: 'Developer' }).check();
  await popover.getByRole('button', { name: 'Save roles' }).click();
  await expect(page.getByText('Roles of Alice Row saved.')).toBeVisible();
  await expect(popover).toHaveCount(0);
  await expect(row.getByRole('button', { name: /^Roles of alice\.row@vandelay\.example:.*Developer.*Viewer/ })).toBeVisible();

  // R4: the admin's own row opens with every box off and the reason from @gatehouse/permissions.
  await page.getByTestId(`member-row-${state().adminEmail}`).getByRole('button', { name: /^Roles of / }).click();
  const own = page.getByRole('dialog', { name: /^Roles of / });
  await expect(own.getByText('You cannot change your own roles. Another administrator has to do it.')).toBeVisible();
  for (const box of await own.getByRole('checkbox').all()) await expect(box).toBeDisabled();
  await shot(page, '40-row-role-popover-own');
  await page.keyboard.press('Escape');
  await expect(own).toHaveCount(0);
});

test('bulk actions: a role change for two, then a disable that partly fails, each member’s outcome shown', async ({ page, api }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  const select = (email: string) => page.getByRole('checkbox', { name: `Select ${email}` }).check();

  await select('bob.bulk@vandelay.example');
  await select('carol.bulk@vandelay.example');
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar.getByText('2 selected')).toBeVisible();
  await bar.getByLabel('Role').selectOption({ label: 'Developer' });
  await bar.getByRole('button', { name: 'Add role' }).click();
  const results = page.getByTestId('bulk-results');
  await expect(results).toContainText('Add role Developer: 2 done');
  await expect(page.getByTestId('member-row-bob.bulk@vandelay.example').getByRole('button', { name: /Developer.*Viewer/ })).toBeVisible();
  await expect(page.getByTestId('member-row-carol.bulk@vandelay.example').getByRole('button', { name: /Developer.*Viewer/ })).toBeVisible();

  // Disable four: Bob and Carol succeed, the admin's own row is refused by R4-style rules before
  // sending, and Dave was removed by someone else after the page loaded (the API says not found).
  await select('bob.bulk@vandelay.example');
  await select('carol.bulk@vandelay.example');
  await select('dave.gone@vandelay.example');
  await select(state().adminEmail);
  await readyAdmin(api);
  const dave = await membershipId(api, SLUG, 'dave.gone@vandelay.example');
  await api.gql(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`, { m: dave });
  await bar.getByRole('button', { name: 'Disable access…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Disable the access of 4 members?' });
  await expectAccessible(page, 'bulk disable confirmation');
  await confirm.getByRole('button', { name: 'Disable 4 members' }).click();
  await expect(results).toContainText('Disable access: 2 done, 2 failed');
  await expect(page.getByTestId('bulk-item-bob.bulk@vandelay.example')).toContainText('Done');
  await expect(page.getByTestId('bulk-item-carol.bulk@vandelay.example')).toContainText('Done');
  await expect(page.getByTestId(`bulk-item-${state().adminEmail}`)).toContainText('Failed');
  await expect(page.getByTestId(`bulk-item-${state().adminEmail}`)).toContainText('You cannot disable yourself.');
  await expect(page.getByTestId('bulk-item-dave.gone@vandelay.example')).toContainText('Failed');
  await expect(page.getByTestId('member-row-bob.bulk@vandelay.example').getByText('disabled', { exact: false }).first()).toBeVisible();
  await expectAccessible(page, 'users page with bulk results');
  await shot(page, '41-bulk-partial-failure');
});

test('R8: pending invitations are in the users table with an Invited badge and counted in the navigation', async ({ page, api }) => {
  await readyAdmin(api);
  await invite(api, ['ivy.invited@vandelay.example', 'ian.invited@vandelay.example']);
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  const ivy = page.getByTestId('invitation-row-ivy.invited@vandelay.example');
  await expect(ivy.getByText('Invited', { exact: true })).toBeVisible();
  await expect(ivy.getByText('Viewer')).toBeVisible();
  await expect(page.getByTestId('invitation-row-ian.invited@vandelay.example')).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav.getByLabel('2 pending invitations', { exact: true })).toBeVisible();
  await expect(page.getByText('· 2 pending invitations')).toBeVisible();
  await expectAccessible(page, 'users page with invitations');

  // Only the invitations, paged like the members.
  await page.getByLabel('Status').selectOption('INVITED');
  await expect(page).toHaveURL(/status=INVITED/);
  await expect(page.getByTestId('member-row-alice.row@vandelay.example')).toHaveCount(0);
  await expect(ivy).toBeVisible();

  // Revoking from the table: the row leaves and the count follows.
  await page.getByRole('button', { name: 'Actions for the invitation of ian.invited@vandelay.example' }).click();
  await page.getByRole('menuitem', { name: 'Revoke invitation' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('The invitation of ian.invited@vandelay.example was revoked.')).toBeVisible();
  await expect(page.getByTestId('invitation-row-ian.invited@vandelay.example')).toHaveCount(0);
  await expect(nav.getByLabel('1 pending invitation', { exact: true })).toBeVisible();
  await shot(page, '42-invitations-in-users-table');
});

test('the member detail view: profile, roles here, audit events about them; a read-only member gets it instead of dead menu items', async ({ page, browser }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  await page.getByRole('link', { name: 'Alice Row' }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${SLUG}/users/[^/]+$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Alice Row' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
  const roles = page.getByRole('region', { name: 'Roles in Vandelay' });
  await expect(roles.getByText('Developer', { exact: true })).toBeVisible();
  await expect(roles.getByText('Viewer', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Profile' })).toContainText('alice.row@vandelay.example');
  const audit = page.getByTestId('member-audit');
  // The role change of the first test, and the provisioning that made the membership.
  await expect(audit).toContainText('membership.roles_changed');
  await expectAccessible(page, 'member detail view');
  await shot(page, '43-member-detail');

  // A viewer (members:read only): no selection, no role controls, the menu leads to details.
  const context = await browser.newContext({ baseURL: state().url });
  page = await context.newPage();
  await signIn(page, 'vic.viewer@vandelay.example', VIEWER_PASSWORD);
  await openUsers(page);
  await expect(page.getByText(/Changing roles or access needs the members:update permission/)).toBeVisible();
  await expect(page.getByRole('checkbox', { name: /^Select / })).toHaveCount(0);
  await page.getByRole('button', { name: 'Actions for alice.row@vandelay.example' }).click();
  const items = page.getByRole('menuitem');
  await expect(items).toHaveText(['View details']);
  await page.getByRole('menuitem', { name: 'View details' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Alice Row' })).toBeVisible();
  await expect(page.getByText('The audit log needs the audit:read permission.')).toBeVisible();
  await expectAccessible(page, 'member detail view (read-only member)');
  await context.close();
});

test('below 600 px the table is cards and every action is reachable (390 px)', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  const card = page.getByTestId('member-card-alice.row@vandelay.example');
  await expect(card).toBeVisible();
  await expect(page.getByRole('table', { name: 'Users' })).toHaveCount(0);
  await expect(page.getByTestId('invitation-card-ivy.invited@vandelay.example').getByText('Invited', { exact: true })).toBeVisible();
  // Nothing wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(page, 'users cards (390 px)');
  await shot(page, '44-users-cards-390');

  // The row menu: every member action.
  await card.getByRole('button', { name: 'Actions for alice.row@vandelay.example' }).click();
  await expect(page.getByRole('menuitem')).toHaveText(['View details', 'Edit', 'Reset password', 'Disable access', 'Remove or delete…']);
  await page.keyboard.press('Escape');
  // The role selector.
  await card.getByRole('button', { name: /^Roles of alice\.row@vandelay\.example/ }).click();
  await expect(page.getByRole('dialog', { name: /^Roles of alice\.row@vandelay\.example/ }).getByRole('button', { name: 'Save roles' })).toBeVisible();
  await page.keyboard.press('Escape');
  // Selection and the bulk bar.
  await card.getByRole('checkbox', { name: 'Select alice.row@vandelay.example' }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  for (const name of ['Add role', 'Take away role', 'Disable access…', 'Remove…']) await expect(bar.getByRole('button', { name })).toBeVisible();
  await shot(page, '45-users-cards-bulk-390');
  // The invitation's actions, Add users, and paging.
  await page.getByRole('button', { name: 'Actions for the invitation of ivy.invited@vandelay.example' }).click();
  await expect(page.getByRole('menuitem')).toHaveText(['Resend invitation', 'Revoke invitation']);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Add users' })).toBeVisible();
  await expect(page.getByLabel('Rows per page')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Next' })).toBeVisible();
  // The navigation (with the invitation count) behind the burger.
  await page.getByRole('button', { name: 'Toggle navigation' }).click();
  await expect(page.getByRole('navigation', { name: 'Main navigation' }).getByLabel('1 pending invitation', { exact: true })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: /Invitations/ })).toBeVisible();
});
