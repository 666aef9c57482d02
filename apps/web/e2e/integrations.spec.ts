// Access tokens in a real browser against a real API (R23): the admin creates a personal access
// token with one permission from the checkboxes, copies the secret shown once, the secret works
// as a bearer with exactly that permission; revoked from the page, it stops on its next use.
// Webhooks (R24): an endpoint added from the page gets a test event from its "Send test event"
// button, through the API's real worker, to a real HTTP receiver that checks the signature.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { startApi } from './server.ts';
import { startReceiver, type Receiver } from '../../api/test/integrators/webhook-receiver.ts';

const PASSWORD = 'Correct-Horse-Battery-42';
let url = '';
let child: ChildProcess | null = null;
let request: APIRequestContext;
let token: string | null = null;
let adminEmail = '';
let orgGid = '';

async function gql<T = any>(query: string, variables: Record<string, unknown> = {}, bearer = token): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await request.post(`${url}/graphql`, {
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    data: { query, variables },
  });
  return (await res.json()) as { data?: T };
}

async function browserSignIn(page: Page) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(180_000);
  // The receiver listens on 127.0.0.1: this spec's API may deliver to private addresses, and polls often.
  process.env.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = 'true';
  process.env.WEBHOOKS_POLL_MILLISECONDS = '200';
  const started = await startApi();
  child = started.child;
  child.stdout?.resume();
  child.stderr?.resume();
  url = started.state.url;
  adminEmail = started.state.adminEmail;
  request = await playwright.request.newContext();
  const signIn = await gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p, refreshTokenDelivery: RESPONSE) { ... on AuthPayload { accessToken } } }`, { e: adminEmail, p: started.state.adminPassword });
  token = signIn.data.signIn.accessToken;
  const changed = await gql(`mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { ... on AuthPayload { accessToken } } }`, { c: started.state.adminPassword, n: PASSWORD });
  token = changed.data?.changePassword?.accessToken ?? token;
  const viewer = await gql(`{ viewer { id } }`);
  await gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename } }`, { i: { name: 'Tokens Inc', slug: 'tokens-inc', ownerUserId: viewer.data.viewer.id } });
  orgGid = (await gql(`{ organization(slug: "tokens-inc") { id } }`)).data.organization.id;
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

test('R23 create an access token with a subset from the checkboxes, use it, revoke it', async ({ page }) => {
  await browserSignIn(page);
  await page.getByText('Tokens Inc').click();
  await page.waitForURL(/\/o\/tokens-inc/);
  await page.getByRole('link', { name: 'Access tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Access tokens' })).toBeVisible();
  const form = page.getByRole('form', { name: 'New access token' });
  await form.getByRole('combobox', { name: 'Organization' }).click();
  await page.getByRole('option', { name: 'Tokens Inc' }).click();
  await form.getByLabel('Name').fill('e2e deploys');
  await expect(form.getByLabel('org:own')).toHaveCount(0);
  await form.getByLabel('deployments:create').check();
  await form.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token-secret').textContent())!.trim();
  expect(secret).toMatch(/^ghpat_/);

  const ask = (bearer: string) => gql(`query($o: ID!) { can(organizationId: $o, permissions: ["deployments:create", "projects:delete"]) { permission allowed } }`, { o: orgGid }, bearer);
  expect((await ask(secret)).data.can).toEqual([{ permission: 'deployments:create', allowed: true }, { permission: 'projects:delete', allowed: false }]);

  const table = page.getByRole('table', { name: 'Your access tokens' });
  await expect(table.getByText('e2e deploys')).toBeVisible();
  await table.getByRole('button', { name: 'Revoke e2e deploys' }).click();
  await expect(table.getByText('Revoked')).toBeVisible();
  expect((await ask(secret)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('R24 send a test event to a webhook endpoint from the page: delivered signed, its result and its delivery shown', async ({ page }) => {
  const receiver: Receiver = await startReceiver();
  try {
    await browserSignIn(page);
    await page.getByText('Tokens Inc').click();
    await page.waitForURL(/\/o\/tokens-inc/);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { name: 'Webhooks' })).toBeVisible();
    const form = page.getByRole('form', { name: 'New webhook endpoint' });
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel(/Event types/).fill('membership.removed');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('new-webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);

    const section = page.getByRole('region', { name: `Endpoint ${receiver.url}` });
    await section.getByRole('button', { name: 'Send test event' }).click();
    await expect(section.getByTestId('webhook-test-result')).toHaveText(/Test event #\d+ delivered: the endpoint answered 200/, { timeout: 20_000 });
    await expect(section.getByRole('table').getByText('webhook.test')).toBeVisible();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.json.type).toBe('webhook.test');
    expect(receiver.verify(secret, receiver.received[0]!)).toBe(true);
  } finally {
    await receiver.close();
  }
});
