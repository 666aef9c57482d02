// R20 proven addresses in the browser: an account created by an administrator starts unconfirmed,
// changes its email with the current password, and the change happens only when the link mailed to
// the new address is opened.
//
// This spec starts its own API (fresh database) instead of sharing the one of global-setup: the
// serial team.spec walks the platform admin through the forced password change with the one-time
// password, which must still be untouched when it runs.
import type { ChildProcess } from 'node:child_process';
import { test as base, expect, type Page } from '@playwright/test';
import { Api, shot } from './fixtures.ts';
import { dropDatabase, startApi, type E2EState } from './server.ts';

const ADMIN_PASSWORD = 'Correct-Horse-Battery-42';
const USER = 'uma.unconfirmed@example.com';
const USER_PASSWORD = 'Uma-Chooses-A-Password-9';
const NEW_EMAIL = 'uma.new@example.org';

interface Server {
  state: E2EState;
  child: ChildProcess;
}

const test = base.extend<{ api: Api; pageErrors: void }, { server: Server }>({
  server: [
    async ({}, use) => {
      const { state, child } = await startApi();
      child.stdout?.resume();
      child.stderr?.on('data', (chunk: Buffer) => {
        if (process.env.E2E_API_LOG) process.stderr.write(chunk);
      });
      await use({ state, child });
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      if (state.database && process.env.DATABASE_URL) await dropDatabase(process.env.DATABASE_URL, state.database).catch(() => undefined);
      const fs = await import('node:fs');
      fs.rmSync(state.dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  baseURL: async ({ server }, use) => {
    await use(server.state.url);
  },
  api: async ({ playwright, server }, use) => {
    const request = await playwright.request.newContext({ baseURL: server.state.url });
    await use(new Api(request));
    await request.dispose();
  },
  // Any uncaught exception in the page fails the test.
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await use();
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

/** The temporary password of a new account is replaced first (R7), through the API. */
async function changePassword(api: Api, current: string, next: string) {
  const data = await api.gql<{ changePassword: { __typename: string; accessToken?: string; message?: string } }>(
    `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n, refreshTokenDelivery: RESPONSE) {
       __typename ... on AuthPayload { accessToken } ... on Error { message } } }`,
    { c: current, n: next },
  );
  if (!data.changePassword.accessToken) throw new Error(`changePassword: ${data.changePassword.__typename} ${data.changePassword.message ?? ''}`);
  api.token = data.changePassword.accessToken;
}

async function outbox(api: Api, to: string): Promise<{ subject: string; text: string }[]> {
  const data = await api.gql<{ devOutbox: { edges: { node: { subject: string; text: string } }[] } }>(
    `query($to: String) { devOutbox(first: 5, to: $to) { edges { node { subject text } } } }`,
    { to },
  );
  return data.devOutbox.edges.map((e) => e.node);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

test('change one’s email: unconfirmed badge, password + confirmation link from the outbox, new address in force (R20)', async ({ page, api, server, browser, playwright }) => {
  test.setTimeout(120_000);
  // The platform admin of the fresh database replaces the one-time password and adds an account.
  const { adminEmail, adminPassword } = server.state;
  await api.signIn(adminEmail, adminPassword);
  await changePassword(api, adminPassword, ADMIN_PASSWORD);
  const org = await api.gql<{ organization: { id: string; roles: { id: string; key: string }[] } }>(`{ organization(slug: "acme") { id roles { id key } } }`);
  const developer = org.organization.roles.find((r) => r.key === 'developer')!.id;
  const added = await api.gql<{ provisionMembers: { __typename: string; results?: { temporaryPassword: string | null }[] } }>(
    `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) {
       __typename ... on ProvisionMembersPayload { results { temporaryPassword } } } }`,
    { o: org.organization.id, m: [{ email: USER, firstName: 'Uma', lastName: 'Unconfirmed', roleIds: [developer] }] },
  );
  const temporary = added.provisionMembers.results?.[0]?.temporaryPassword;
  expect(temporary, added.provisionMembers.__typename).toBeTruthy();
  const requests = await playwright.request.newContext({ baseURL: server.state.url });
  const uma = new Api(requests);
  await uma.signIn(USER, temporary!);
  await changePassword(uma, temporary!, USER_PASSWORD);

  // An account an administrator created has not proven its address yet.
  await signIn(page, USER, USER_PASSWORD);
  await page.goto('/account');
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
  const section = page.getByTestId('email-address-section');
  await expect(section.getByTestId('current-email')).toHaveText(USER);
  await expect(section.getByText('Not confirmed')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Send confirmation link' })).toBeVisible();
  await shot(page, 'email-1-account-unconfirmed');

  // A link proving the current address goes to it.
  await section.getByRole('button', { name: 'Send confirmation link' }).click();
  await expect(section.getByText(`Confirmation link sent to ${USER}.`, { exact: false })).toBeVisible();
  const proof = (await outbox(api, USER)).find((m) => m.subject === 'Confirm your email address');
  expect(proof?.text).toMatch(/\/account\/confirm-email#token=/);
  await page.reload();

  // Ask for the change: a wrong password is refused on its field, then the link goes out.
  const form = section.getByRole('form', { name: 'Change email' });
  await form.getByLabel(/^New email address/).fill(NEW_EMAIL);
  await form.getByLabel(/^Current password/).fill('not my password at all');
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(form.getByText('The current password is incorrect')).toBeVisible();
  await form.getByLabel(/^Current password/).fill(USER_PASSWORD);
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(form.getByTestId('email-change-sent')).toHaveText(`Confirmation sent to ${NEW_EMAIL}; your current address stays in force until then.`);
  await expect(section.getByTestId('pending-email')).toContainText(NEW_EMAIL);
  // Nothing changed yet.
  await expect(section.getByTestId('current-email')).toHaveText(USER);
  await shot(page, 'email-2-account-change-pending');

  // The old address was told; the new one got the link, with the token in the fragment only.
  expect((await outbox(api, USER)).map((m) => m.subject)).toContain('Your email address is about to change');
  const [mail] = await outbox(api, NEW_EMAIL);
  const link = /https?:\/\/\S+\/account\/confirm-email#token=\S+/.exec(mail!.text)![0];
  const url = new URL(link);
  expect(url.search).toBe('');
  expect(url.pathname).toBe('/account/confirm-email');

  // Follow it in the signed-in browser: the page takes the token out of the address bar at once.
  await page.goto(url.pathname + url.hash);
  await expect(page.getByRole('heading', { name: 'Email address confirmed' })).toBeVisible();
  await expect(page.getByTestId('confirmed-email')).toContainText(NEW_EMAIL);
  expect(new URL(page.url()).hash).toBe('');
  expect(page.url()).not.toContain('token');
  await shot(page, 'email-3-confirmed');

  await page.getByRole('link', { name: 'Go to My account' }).click();
  await expect(section.getByTestId('current-email')).toHaveText(NEW_EMAIL);
  await expect(section.getByText('Confirmed', { exact: true })).toBeVisible();
  await expect(section.getByTestId('pending-email')).toHaveCount(0);
  await shot(page, 'email-4-account-confirmed');

  // A link works once: opened again, signed out, it says so.
  const other = await browser.newContext({ baseURL: server.state.url });
  const stranger = await other.newPage();
  await stranger.goto(url.pathname + url.hash);
  await expect(stranger.getByRole('heading', { name: 'Address not confirmed' })).toBeVisible();
  await expect(stranger.getByRole('alert')).not.toBeEmpty();
  await expect(stranger.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await shot(stranger, 'email-5-link-used');
  await other.close();

  // The new address signs in; the old one no longer does.
  await uma.signIn(NEW_EMAIL, USER_PASSWORD);
  await expect(uma.signIn(USER, USER_PASSWORD)).rejects.toThrow(/InvalidCredentialsError/);
  await requests.dispose();
});
