// The users table, issue 13 follow-up: the search filters the pending invitations shown in the
// table as it filters the members (the API's `invitations(search:)`), and a selection lives across
// pages and page sizes until the search or a filter changes, a bulk action acting on every selected
// member. Runs in an organization of its own ("Kramerica", 25 members: two pages of 20).
import type { Page } from '@playwright/test';
import { ADMIN_PASSWORD, expect, shot, signIn, state, test, type Api } from './fixtures.ts';
import { ensureOrg, expectAccessible, provision, readyAdmin } from './helpers.ts';

test.describe.configure({ mode: 'serial', timeout: 180_000 });

const SLUG = 'kramerica';
const MEMBERS = 25;
const pad = (n: number) => String(n).padStart(2, '0');
let org: { id: string; roles: Record<string, string> };

async function openUsers(page: Page, query = '') {
  await page.goto(`/o/${SLUG}/users${query}`);
  await expect(page.getByTestId('page-number')).toBeVisible({ timeout: 30_000 });
}

/** Emails of the member rows shown, the admin's own row left out (R4 refuses changes to it). */
async function otherRows(page: Page): Promise<string[]> {
  const ids = await page.getByTestId(/^member-row-/).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid') ?? ''));
  return ids.map((id) => id.replace('member-row-', '')).filter((email) => email !== state().adminEmail);
}

async function rolesOf(api: Api, email: string): Promise<string[]> {
  const data = await api.gql<{ organization: { members: { edges: { node: { user: { email: string }; roles: { key: string }[] } }[] } } }>(
    `query($s: String!, $q: String) { organization(slug: $s) { members(first: 5, search: $q) { edges { node { user { email } roles { key } } } } } }`,
    { s: SLUG, q: email },
  );
  return data.organization.members.edges.find((e) => e.node.user.email === email)?.node.roles.map((r) => r.key).sort() ?? [];
}

test.beforeAll(async ({ api }) => {
  test.setTimeout(300_000);
  await readyAdmin(api);
  org = await ensureOrg(api, 'Kramerica', SLUG);
  await provision(
    api,
    org.id,
    Array.from({ length: MEMBERS }, (_, i) => ({ email: `kim.${pad(i + 1)}@kramerica.example`, firstName: 'Kim', lastName: pad(i + 1), roleIds: [org.roles.viewer!] })),
  );
  await api.gql(`mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) { __typename ... on Error { message } } }`, {
    o: org.id, e: ['ivy.invited@kramerica.example', 'ian.invited@kramerica.example'], r: [org.roles.viewer],
  });
});

test('R8: the search filters the invitation rows like the members; the navigation keeps the organization’s pending total', async ({ page }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  const ivy = page.getByTestId('invitation-row-ivy.invited@kramerica.example');
  const ian = page.getByTestId('invitation-row-ian.invited@kramerica.example');
  await expect(ivy).toBeVisible();
  await expect(ian).toBeVisible();

  await page.getByRole('searchbox', { name: 'Search' }).fill('ivy');
  await expect(page).toHaveURL(/q=ivy/);
  await expect(ivy).toBeVisible();
  await expect(ian).toHaveCount(0);
  await expect(page.getByTestId(/^member-row-/)).toHaveCount(0);
  await expect(page.getByText('No user matches these filters.')).toHaveCount(0);
  // The count beside the members follows the search, as the member count does ...
  await expect(page.getByText('· 1 pending invitation', { exact: true })).toBeVisible();
  // ... while the navigation says how many the organization has.
  await expect(page.getByRole('navigation', { name: 'Main navigation' }).getByLabel('2 pending invitations', { exact: true })).toBeVisible();
  await expectAccessible(page, 'users page searched, an invitation matching');

  // A search matching members and not invitations: no invitation row.
  await page.getByRole('searchbox', { name: 'Search' }).fill('kim.07');
  await expect(page.getByTestId('member-row-kim.07@kramerica.example')).toBeVisible();
  await expect(page.getByTestId(/^invitation-row-/)).toHaveCount(0);

  // Under "Invited (pending)" the search stays on and filters the invitations the API pages.
  await page.getByRole('searchbox', { name: 'Search' }).fill('ian');
  await page.getByLabel('Status').selectOption('INVITED');
  await expect(page).toHaveURL(/status=INVITED/);
  await expect(page.getByRole('searchbox', { name: 'Search' })).toBeEnabled();
  await expect(ian).toBeVisible();
  await expect(ivy).toHaveCount(0);
  await page.getByRole('searchbox', { name: 'Search' }).fill('nobody-like-this');
  await expect(page.getByText('No pending invitation matches this search.')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search' }).fill('');
  await expect(ivy).toBeVisible();
  await expect(ian).toBeVisible();
});

test('a selection made on page 1 and page 2 survives paging and page sizes; one bulk action changes every selected member', async ({ page, api }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await openUsers(page);
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  const count = bar.getByTestId('selection-count');
  const box = (email: string) => page.getByRole('checkbox', { name: `Select ${email}` });

  const [a, b] = await otherRows(page);
  await box(a!).check();
  await box(b!).check();
  await expect(count).toHaveText('2 selected');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('page-number')).toHaveText('Page 2 of 2');
  const [c] = (await otherRows(page)).filter((email) => email !== a && email !== b);
  await box(c!).check();
  await expect(count).toHaveText('3 selected (2 on other pages)');
  await expectAccessible(page, 'users page with a selection across pages');
  await shot(page, '46-selection-across-pages');

  // Back on page 1 the boxes are still ticked; the header box covers this page only.
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect(box(a!)).toBeChecked();
  await expect(box(b!)).toBeChecked();
  await expect(count).toHaveText('3 selected (1 on other pages)');
  // A page size holding everyone: all three on one page.
  await page.getByRole('combobox', { name: 'Rows per page' }).selectOption('50');
  await expect(page).toHaveURL(/size=50/);
  await expect(box(c!)).toBeChecked();
  await expect(count).toHaveText('3 selected');
  await page.getByRole('combobox', { name: 'Rows per page' }).selectOption('20');
  await expect(count).toHaveText('3 selected (1 on other pages)');

  // One bulk action for the three, those of the other page included; each member's outcome listed.
  await bar.getByLabel('Role').selectOption({ label: 'Developer' });
  await bar.getByRole('button', { name: 'Add role' }).click();
  const results = page.getByTestId('bulk-results');
  // Each member is read again, then changed (four at a time): slow on a busy machine.
  await expect(results).toContainText('Add role Developer: 3 done', { timeout: 30_000 });
  for (const email of [a!, b!, c!]) {
    await expect(page.getByTestId(`bulk-item-${email}`)).toContainText('Done');
    expect(await rolesOf(await readyAdmin(api), email)).toEqual(['developer', 'viewer']);
  }
  await expect(bar).toHaveCount(0);
  // The rows show it (the cache updated them), on this page and the other.
  await expect(page.getByTestId(`member-row-${a}`).getByRole('button', { name: /Developer.*Viewer/ })).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId(`member-row-${c}`).getByRole('button', { name: /Developer.*Viewer/ })).toBeVisible();
  await expect(page.getByTestId(`member-row-${c}`).getByText('✓')).toBeVisible();

  // A new search selects among other people: the selection is dropped. Clear selection empties it too.
  await box(c!).check();
  await expect(count).toHaveText('1 selected');
  await bar.getByRole('button', { name: 'Clear selection' }).click();
  await expect(bar).toHaveCount(0);
  await box(c!).check();
  await expect(count).toHaveText('1 selected');
  await page.getByRole('searchbox', { name: 'Search' }).fill('kim');
  await expect(page).toHaveURL(/q=kim/);
  await expect(bar).toHaveCount(0);
});
