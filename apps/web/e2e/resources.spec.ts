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

let url = '';
let child: ChildProcess | null = null;
let request: APIRequestContext;
let token: string | null = null;

const test = base;

async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await request.post(`${url}/graphql`, {
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    data: { query, variables },
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data as T;
}

async function apiSignIn(email: string, password: string) {
  const data = await gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p, refreshTokenDelivery: RESPONSE) { __typename ... on AuthPayload { accessToken } } }`, { e: email, p: password });
  token = data.signIn.accessToken;
}

async function changePassword(current: string) {
  const data = await gql(`mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename ... on AuthPayload { accessToken } } }`, { c: current, n: PASSWORD });
  token = data.changePassword.accessToken ?? token;
}

async function browserSignIn(page: Page, email: string) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(180_000);
  const previous = process.env.GATEHOUSE_PRESET;
  process.env.GATEHOUSE_PRESET = 'spaces';
  try {
    const started = await startApi();
    child = started.child;
    child.stdout?.resume();
    child.stderr?.resume();
    url = started.state.url;
    request = await playwright.request.newContext();
    await apiSignIn(started.state.adminEmail, started.state.adminPassword);
    await changePassword(started.state.adminPassword);
  } finally {
    if (previous === undefined) delete process.env.GATEHOUSE_PRESET;
    else process.env.GATEHOUSE_PRESET = previous;
  }
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
  for (const r of added.provisionMembers.results as { email: string; temporaryPassword: string }[]) {
    await apiSignIn(r.email, r.temporaryPassword);
    await changePassword(r.temporaryPassword);
  }
});

test.afterAll(async () => {
  await request?.dispose();
  if (child) {
    child.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      child!.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }
});

test('R19 an Editor creates a space and assigns an Operator, who gets Operator privileges only', async ({ page, browser }) => {
  await browserSignIn(page, EDITOR);
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
  await browserSignIn(operator, OPERATOR);
  await operator.goto(`${url}/o/lab/resources/space`);
  await expect(operator.getByRole('link', { name: 'Sandbox' })).toBeVisible();
  await expect(operator.getByRole('button', { name: 'Delete Sandbox' })).toBeDisabled();
  await expect(operator.getByText('You cannot delete this space (spaces:delete).')).toBeVisible();
  await expect(operator.getByLabel('New space name')).toBeDisabled();
  await shot(operator, '31-operator-spaces');
  await operatorContext.close();
});

test('R19 the Editor who created a space renames it; an Operator assigned to a space cannot, and is told why', async ({ page, browser }) => {
  await browserSignIn(page, EDITOR);
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
  await browserSignIn(operator, OPERATOR);
  await operator.goto(`${url}/o/lab/resources/space`);
  await operator.getByRole('link', { name: 'Sandbox' }).click();
  await expect(operator.getByRole('heading', { name: 'Sandbox', level: 1 })).toBeVisible();
  await expect(operator.getByLabel('Space name')).toBeDisabled();
  await expect(operator.getByText('You cannot rename this space (spaces:assign).')).toBeVisible();
  await operatorContext.close();
});
