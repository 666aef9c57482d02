// Issue 13 in the browser: the bugs an admin met in the first week (default role, revoke, stale
// access), dangerous clicks, and an organization too large to load whole. Each test failed before
// its fix. Runs in an organization of its own ("Umbrella"), after team.spec.
import { ADMIN_PASSWORD, expect, shot, signIn, state, test, type Api } from './fixtures.ts';
import { choosePassword, ensureOrg, membershipId, provision, readyAdmin } from './helpers.ts';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const SLUG = 'umbrella';
let org: { id: string; roles: Record<string, string> };

async function createRole(api: Api, name: string, permissions: string[]) {
  await api.gql(`mutation($i: CreateRoleInput!) { createRole(input: $i) { __typename ... on Error { message } } }`, {
    i: { organizationId: org.id, name, permissions },
  });
}

test.beforeAll(async ({ api }) => {
  await readyAdmin(api);
  org = await ensureOrg(api, 'Umbrella', SLUG);
  // Custom roles with fewer permissions than Viewer: the old default picked one of them.
  await createRole(api, 'Auditor', ['audit:read']);
  await createRole(api, 'Team role 1', ['org:read']);
});

test('R7/R8: Add users and Invite preselect the preset default (Viewer), never a custom role nobody chose', async ({ page }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/users`);
  await page.getByRole('button', { name: 'Add users' }).click();
  const dialog = page.getByRole('dialog');
  const row = dialog.getByTestId('add-row-0');
  await row.getByLabel(/^Email/).fill('dora.default@example.com');
  await row.getByRole('button', { name: 'Look up' }).click();
  await expect(row.getByRole('checkbox', { name: 'Viewer' })).toBeChecked();
  await expect(row.getByRole('checkbox', { name: 'Auditor' })).not.toBeChecked();
  await expect(row.getByRole('checkbox', { name: 'Team role 1' })).not.toBeChecked();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.goto(`/o/${SLUG}/invitations`);
  await page.getByRole('button', { name: 'Invite members' }).click();
  const invite = page.getByRole('dialog');
  await expect(invite.getByRole('checkbox', { name: 'Viewer' })).toBeChecked();
  await expect(invite.getByRole('checkbox', { name: 'Auditor' })).not.toBeChecked();
});

test('R8: revoking an invitation says it worked and the row leaves the pending list', async ({ page, api }) => {
  await readyAdmin(api);
  await api.gql(`mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) { __typename } }`, {
    o: org.id, e: ['rex.revoked@example.com'], r: [org.roles.viewer],
  });
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/invitations`);
  await page.getByRole('button', { name: 'Actions for the invitation of rex.revoked@example.com' }).click();
  await page.getByRole('menuitem', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('The invitation of rex.revoked@example.com was revoked.')).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByText('Something went wrong')).toHaveCount(0);
  await expect(page.getByTestId('invitation-rex.revoked@example.com')).toHaveCount(0);
});

test('R25: a demoted admin loses the admin buttons without a reload; a removed member is sent to the picker', async ({ page, api, browser }) => {
  test.setTimeout(120_000);
  await readyAdmin(api);
  const temp = await provision(api, org.id, [{ email: 'dana.demoted@example.com', firstName: 'Dana', lastName: 'Demoted', roleIds: [org.roles.admin!] }]);
  await choosePassword(api, 'dana.demoted@example.com', temp['dana.demoted@example.com']!, 'Dana-Chooses-A-Password-1');
  await readyAdmin(api);
  // Dana also belongs to another organization, so removal leads to the picker.
  const other = await ensureOrg(api, 'Umbrella Labs', 'umbrella-labs');
  await provision(api, other.id, [{ email: 'dana.demoted@example.com', firstName: 'Dana', lastName: 'Demoted', roleIds: [other.roles.viewer!] }]);

  const context = await browser.newContext({ baseURL: state().url });
  const dana = await context.newPage();
  await signIn(dana, 'dana.demoted@example.com', 'Dana-Chooses-A-Password-1');
  await dana.goto(`/o/${SLUG}/users`);
  await expect(dana.getByRole('button', { name: 'Add users' })).toBeVisible({ timeout: 30_000 });
  await expect(dana.getByRole('link', { name: 'Audit log' })).toBeVisible();

  const started = Date.now();
  await api.gql(`mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename ... on Error { message } } }`, {
    m: await membershipId(api, SLUG, 'dana.demoted@example.com'), r: [org.roles.viewer],
  });
  // No reload, no click: the open page follows (focus/visibility, a poll while visible).
  await expect(dana.getByRole('button', { name: 'Add users' })).toHaveCount(0, { timeout: 15_000 });
  await expect(dana.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  console.log(`demotion reached the open page in ${Date.now() - started} ms`);

  await api.gql(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename ... on Error { message } } }`, {
    m: await membershipId(api, SLUG, 'dana.demoted@example.com'),
  });
  await expect(dana).toHaveURL(/\/orgs$/, { timeout: 15_000 });
  await expect(dana.getByTestId('access-notice')).toContainText('You no longer have access to Umbrella');
  await shot(dana, '31-access-removed');
  await context.close();
});

test('R8: an existing signed-in user who accepts an invitation lands in the new organization without a reload', async ({ page, api }) => {
  await readyAdmin(api);
  const labs = await ensureOrg(api, 'Umbrella Labs', 'umbrella-labs');
  const temp = await provision(api, labs.id, [{ email: 'ezra.existing@example.com', firstName: 'Ezra', lastName: 'Existing', roleIds: [labs.roles.viewer!] }]);
  await choosePassword(api, 'ezra.existing@example.com', temp['ezra.existing@example.com']!, 'Ezra-Chooses-A-Password-2');
  await readyAdmin(api);
  await signIn(page, 'ezra.existing@example.com', 'Ezra-Chooses-A-Password-2');
  await expect(page).toHaveURL(/\/o\/umbrella-labs\/users/);

  await api.gql(`mutation($o: ID!, $e: [String!]!, $r: [ID!]!) { inviteMembers(organizationId: $o, emails: $e, roleIds: $r) { __typename } }`, {
    o: org.id, e: ['ezra.existing@example.com'], r: [org.roles.developer],
  });
  const mail = await api.gql<{ devOutbox: { edges: { node: { text: string } }[] } }>(`query($to: String) { devOutbox(first: 1, to: $to) { edges { node { text } } } }`, { to: 'ezra.existing@example.com' });
  const link = new URL(/https?:\/\/\S+\/invitations\/accept#token=\S+/.exec(mail.devOutbox.edges[0]!.node.text)![0]);
  await page.goto(link.pathname + link.hash);
  await page.getByRole('button', { name: 'Accept as ezra.existing@example.com' }).click();
  await expect(page).toHaveURL(/\/o\/umbrella\/users/);
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByTestId('member-row-ezra.existing@example.com')).toContainText('Developer');
  await expect(page.getByTestId('org-switcher')).toContainText('Umbrella');
});

test('R7: the temporary password dialog stays until acknowledged; Esc and outside clicks do nothing', async ({ page }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/users`);
  await page.getByRole('button', { name: 'Add users' }).click();
  const dialog = page.getByRole('dialog');
  const row = dialog.getByTestId('add-row-0');
  await row.getByLabel(/^Email/).fill('tess.temporary@example.com');
  await row.getByRole('button', { name: 'Look up' }).click();
  await row.getByLabel('First name').fill('Tess');
  await row.getByLabel('Last name').fill('Temporary');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  await expect(dialog.getByTestId('temporary-password')).toBeVisible();
  await page.keyboard.press('Escape');
  await page.mouse.click(5, 5);
  await expect(dialog.getByTestId('temporary-password')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Close dialog' })).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Done' })).toBeDisabled();
  await shot(page, '32-temporary-password-locked');
  await dialog.getByRole('checkbox', { name: /I have saved the temporary password/ }).check();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('unsaved role edits: Esc asks before throwing them away; Remove access moves focus into its confirmation', async ({ page }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/users`);
  await page.getByRole('button', { name: 'Actions for tess.temporary@example.com' }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog', { name: /Edit Tess/ });
  await dialog.getByRole('tab', { name: 'Organization access' }).click();
  const access = dialog.getByTestId(`access-${SLUG}`);
  await access.getByRole('checkbox', { name: 'Developer' }).check();
  await page.keyboard.press('Escape');
  const ask = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
  await expect(ask).toBeVisible();
  await expect(ask.getByRole('button', { name: 'Keep editing' })).toBeFocused();
  await shot(page, '33-discard-unsaved');
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  await expect(access.getByRole('checkbox', { name: 'Developer' })).toBeChecked();

  await access.getByRole('button', { name: 'Remove access' }).click();
  await expect(access.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await access.getByRole('button', { name: 'Cancel' }).click();
  await expect(access.getByRole('button', { name: 'Remove access' })).toBeFocused();

  await page.keyboard.press('Escape');
  await page.getByRole('alertdialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard changes' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('member-row-tess.temporary@example.com')).not.toContainText('Developer');
});

test('R10: disabling a member or an organization confirms and says what it does; the organization needs its slug typed', async ({ page, api }) => {
  await ensureOrg(await readyAdmin(api), 'Umbrella Labs', 'umbrella-labs');
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/users`);
  await page.getByRole('button', { name: 'Actions for tess.temporary@example.com' }).click();
  await page.getByRole('menuitem', { name: 'Disable access' }).click();
  const confirm = page.getByRole('dialog', { name: /Disable Tess Temporary/ });
  await expect(confirm).toContainText('Roles and details are kept');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('member-row-tess.temporary@example.com')).toContainText('Active');

  await page.goto('/admin/organizations');
  await page.getByLabel('Search').fill('Umbrella Labs');
  await page.getByRole('switch', { name: 'Umbrella Labs enabled' }).click({ force: true });
  const disable = page.getByRole('dialog', { name: 'Disable Umbrella Labs?' });
  await expect(disable).toContainText('loses access at once');
  await expect(disable.getByRole('button', { name: 'Disable organization' })).toBeDisabled();
  await disable.getByLabel('Type umbrella-labs to confirm').fill('umbrella-lab');
  await expect(disable.getByRole('button', { name: 'Disable organization' })).toBeDisabled();
  await shot(page, '34-disable-organization');
  await disable.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('switch', { name: 'Umbrella Labs enabled' })).toBeChecked();
});

test('R9: deleting an account completely needs its email typed', async ({ page }) => {
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'Actions for tess.temporary@example.com' }).click();
  await page.getByRole('menuitem', { name: 'Delete completely…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('button', { name: 'Delete account' })).toBeDisabled();
  await dialog.getByLabel('Type tess.temporary@example.com to confirm').fill('tess.temporary@example.com');
  await dialog.getByRole('button', { name: 'Delete account' }).click();
  await expect(page.getByTestId('user-row-tess.temporary@example.com')).toHaveCount(0);
});

test('R12: a role members hold is not deleted from under them; the dialog links to its holders', async ({ page, api }) => {
  await readyAdmin(api);
  const roles = await api.gql<{ organization: { roles: { id: string; name: string }[] } }>(`query($s: String!) { organization(slug: $s) { roles { id name } } }`, { s: SLUG });
  const auditor = roles.organization.roles.find((r) => r.name === 'Auditor')!.id;
  await provision(api, org.id, [{ email: 'ada.auditor@example.com', firstName: 'Ada', lastName: 'Auditor', roleIds: [auditor] }]);
  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/roles`);
  const card = page.getByTestId(/^role-/).filter({ hasText: 'Auditor' });
  await card.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Delete role' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Give them another role first');
  await dialog.getByTestId('role-holders-link').click();
  await expect(page).toHaveURL(/\/o\/umbrella\/users\?role=/);
  await expect(page.getByTestId('member-row-ada.auditor@example.com')).toBeVisible();
});
