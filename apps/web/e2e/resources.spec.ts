// Spaces (seed 004) in a real browser against a real API started with GATEHOUSE_PRESET=spaces:
// an Editor creates a space and assigns an Operator, and the role selector offers only what the
// Operator's org role allows (R19); the Operator then sees exactly that space and cannot delete it.
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { startApi } from './server.ts';
import { shot } from './fixtures.ts';

const PASSWORD = 'Correct-Horse-Battery-42';
const EDITOR = 'editor@spaces.e2e.test';
const OPERATOR = 'operator@spaces.e2e.test';

/** One API started for this spec with a preset of its own, and the platform admin's API session. */
interface Server {
  url: string;
  child: ChildProcess;
  request: APIRequestContext;
  token: string | null;
}

const test = base;

async function gqlOn<T = any>(server: Server, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await server.request.post(`${server.url}/graphql`, {
    headers: { 'content-type': 'application/json', ...(server.token ? { authorization: `Bearer ${server.token}` } : {}) },
    data: { query, variables },
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data as T;
}

async function apiSignIn(server: Server, email: string, password: string) {
  const data = await gqlOn(server, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p, refreshTokenDelivery: RESPONSE) { __typename ... on AuthPayload { accessToken } } }`, { e: email, p: password });
  server.token = data.signIn.accessToken;
}

async function changePassword(server: Server, current: string) {
  const data = await gqlOn(server, `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename ... on AuthPayload { accessToken } } }`, { c: current, n: PASSWORD });
  server.token = data.changePassword.accessToken ?? server.token;
}

async function browserSignIn(page: Page, baseUrl: string, email: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** Starts an API with GATEHOUSE_PRESET=`preset`; the platform admin is signed in (password changed). */
async function startServer(preset: string, playwright: { request: { newContext(): Promise<APIRequestContext> } }): Promise<Server> {
  const previous = process.env.GATEHOUSE_PRESET;
  process.env.GATEHOUSE_PRESET = preset;
  try {
    const started = await startApi();
    started.child.stdout?.resume();
    started.child.stderr?.resume();
    const server: Server = { url: started.state.url, child: started.child, request: await playwright.request.newContext(), token: null };
    await apiSignIn(server, started.state.adminEmail, started.state.adminPassword);
    await changePassword(server, started.state.adminPassword);
    return server;
  } finally {
    if (previous === undefined) delete process.env.GATEHOUSE_PRESET;
    else process.env.GATEHOUSE_PRESET = previous;
  }
}

async function stopServer(server: Server | null) {
  if (!server) return;
  await server.request.dispose();
  server.child.kill('SIGTERM');
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

test.describe('Spaces (seed 004)', () => {
// Two APIs of their own on a machine shared with other runs: generous per test.
test.describe.configure({ timeout: 150_000 });
let spaces: Server | null = null;
let url = '';
const gql = <T = any>(query: string, variables: Record<string, unknown> = {}) => gqlOn<T>(spaces!, query, variables);

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(180_000);
  spaces = await startServer('spaces', playwright);
  url = spaces.url;
  const viewer = await gql(`{ viewer { id } }`);
  await gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename } }`, { i: { name: 'Lab', slug: 'lab', ownerUserId: viewer.viewer.id } });
  const org = await gql(`{ organization(slug: "lab") { id roles { id key } } }`);
  const role = (key: string) => org.organization.roles.find((r: { key: string }) => r.key === key).id;
  const added = await gql(
    `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) { ... on ProvisionMembersPayload { results { email temporaryPassword } } } }`,
    {
      o: org.organization.id,
      m: [
        { email: EDITOR, firstName: 'Eda', lastName: 'Editor', roleIds: [role('editor')] },
        { email: OPERATOR, firstName: 'Otto', lastName: 'Operator', roleIds: [role('operator')] },
      ],
    },
  );
  const admin = spaces.token;
  for (const r of added.provisionMembers.results as { email: string; temporaryPassword: string }[]) {
    await apiSignIn(spaces, r.email, r.temporaryPassword);
    await changePassword(spaces, r.temporaryPassword);
  }
  spaces.token = admin;
});

test.afterAll(async () => {
  await stopServer(spaces);
});

test('R19 an Editor creates a space and assigns an Operator, who gets Operator privileges only', async ({ page, browser }) => {
  await browserSignIn(page, url, EDITOR);
  await page.goto(`${url}/o/lab/resources/space`);
  await expect(page.getByRole('heading', { name: 'Spaces', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Spaces' })).toBeVisible();
  await page.getByLabel('New space name').fill('Sandbox');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await expect(page.getByRole('heading', { name: 'Sandbox' })).toBeVisible();

  await page.getByRole('combobox', { name: 'Member of the organization' }).click();
  await page.getByRole('option', { name: /otto operator/i }).click();
  await page.getByRole('combobox', { name: 'Space role', exact: true }).click();
  // The roles an Operator may not hold are shown disabled, with the reason.
  await expect(page.getByRole('option', { name: /Space editor — Their organization role allows at most space_operator/ })).toHaveAttribute('data-combobox-disabled', 'true');
  await page.getByRole('option', { name: 'Space operator', exact: true }).click();
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByRole('table', { name: 'Members of Sandbox' }).getByText(/Otto Operator|operator@spaces/)).toBeVisible();
  await shot(page, '30-space-members');

  const operatorContext = await browser.newContext();
  const operator = await operatorContext.newPage();
  await browserSignIn(operator, url, OPERATOR);
  await operator.goto(`${url}/o/lab/resources/space`);
  await expect(operator.getByRole('link', { name: 'Sandbox' })).toBeVisible();
  await expect(operator.getByRole('button', { name: 'Delete Sandbox' })).toBeDisabled();
  await expect(operator.getByText('You cannot delete this space (spaces:delete).')).toBeVisible();
  await expect(operator.getByLabel('New space name')).toBeDisabled();
  await shot(operator, '31-operator-spaces');
  await operatorContext.close();
});

test('R19 the Editor who created a space renames it; an Operator assigned to a space cannot, and is told why', async ({ page, browser }) => {
  await browserSignIn(page, url, EDITOR);
  await page.goto(`${url}/o/lab/resources/space`);
  await page.getByLabel('New space name').fill('Draft');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.getByRole('link', { name: 'Draft' }).click();
  await expect(page.getByRole('heading', { name: 'Draft', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Rename' })).toBeDisabled(); // nothing changed yet
  await page.getByLabel('Space name').fill('Final draft');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('heading', { name: 'Final draft', level: 1 })).toBeVisible();
  await shot(page, '32-space-rename');

  // The Operator was assigned to Sandbox (previous test): they see it, but renaming is off with the reason.
  const operatorContext = await browser.newContext();
  const operator = await operatorContext.newPage();
  await browserSignIn(operator, url, OPERATOR);
  await operator.goto(`${url}/o/lab/resources/space`);
  await operator.getByRole('link', { name: 'Sandbox' }).click();
  await expect(operator.getByRole('heading', { name: 'Sandbox', level: 1 })).toBeVisible();
  await expect(operator.getByLabel('Space name')).toBeDisabled();
  await expect(operator.getByText('You cannot rename this space (spaces:assign).')).toBeVisible();
  await operatorContext.close();
});
});

// OEC.SH (seed 001): "developers who can only access specific projects", invited straight into one.
test.describe('OEC.SH (seed 001)', () => {
  test.describe.configure({ timeout: 150_000 });
  let oec: Server | null = null;
  const INVITEE = 'rita.restricted@oec.e2e.test';

  test.beforeAll(async ({ playwright }) => {
    test.setTimeout(180_000);
    oec = await startServer('oec', playwright);
    const viewer = await gqlOn(oec, `{ viewer { id } }`);
    await gqlOn(oec, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename } }`, { i: { name: 'Agency', slug: 'agency', ownerUserId: viewer.viewer.id } });
    const org = await gqlOn(oec, `{ organization(slug: "agency") { id } }`);
    for (const name of ['Shop', 'Internal tools']) {
      await gqlOn(oec, `mutation($o: ID!, $n: String!) { createResource(organizationId: $o, type: "project", name: $n) { __typename } }`, { o: org.organization.id, n: name });
    }
  });

  test.afterAll(async () => {
    await stopServer(oec);
  });

  test('R8+R19 the owner invites a restricted developer straight into one project; after accepting they see exactly that project', async ({ page, browser }) => {
    const url = oec!.url;
    await browserSignIn(page, url, (await gqlOn(oec!, `{ viewer { email } }`)).viewer.email);
    await page.goto(`${url}/o/agency/invitations`);
    await page.getByRole('button', { name: 'Invite members' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email addresses').fill(INVITEE);
    await dialog.getByRole('combobox', { name: 'Role for every invitation' }).click();
    await page.getByRole('option', { name: 'Developer (assigned projects only)' }).click();
    const grants = dialog.getByTestId('invite-resource-grants');
    await grants.getByRole('button', { name: '+ Add access to a project' }).click();
    // Ordered by name: "Internal tools" first; the owner picks Shop and keeps the least-privileged role.
    await grants.getByLabel('Resource 1').selectOption({ label: 'Shop' });
    await expect(grants.getByLabel('Role on Shop')).toHaveValue('project_developer');
    await dialog.getByRole('button', { name: 'Set roles and review' }).click();
    await expect(dialog.getByTestId(`review-${INVITEE}`)).toContainText('Will be invited');
    await shot(page, '36-invite-into-project');
    await dialog.getByRole('button', { name: 'Send 1 invitation' }).click();
    await expect(dialog).toContainText('Invitations sent');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId(`invitation-grants-${INVITEE}`)).toHaveText('Shop: Project Developer');

    // The link from the development outbox (no SMTP configured).
    const mail = await gqlOn(oec!, `query($to: String) { devOutbox(first: 1, to: $to) { edges { node { text } } } }`, { to: INVITEE });
    const link = new URL(/https?:\/\/\S+\/invitations\/accept#token=\S+/.exec(mail.devOutbox.edges[0].node.text)![0]);
    const context = await browser.newContext();
    const invitee = await context.newPage();
    await invitee.goto(`${url}${link.pathname}${link.hash}`);
    await expect(invitee.getByRole('heading', { name: 'Join Agency' })).toBeVisible();
    await invitee.getByLabel(/^First name/).fill('Rita');
    await invitee.getByLabel(/^Last name/).fill('Restricted');
    await invitee.getByLabel(/^Choose a password/).fill(PASSWORD);
    await invitee.getByRole('button', { name: 'Create account and join' }).click();
    await invitee.waitForURL(/\/o\/agency\//);

    await invitee.goto(`${url}/o/agency/resources/project`);
    await expect(invitee.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
    await expect(invitee.getByRole('link', { name: 'Shop' })).toBeVisible();
    await expect(invitee.getByRole('link', { name: 'Internal tools' })).toHaveCount(0);
    await expect(invitee.getByText('1–1 of 1 projects')).toBeVisible();
    await invitee.getByRole('link', { name: 'Shop' }).click();
    await expect(invitee.getByRole('heading', { name: 'Shop', level: 1 })).toBeVisible();
    await context.close();
  });
});
