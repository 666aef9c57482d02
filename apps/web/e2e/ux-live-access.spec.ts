// R25 in the browser (named ux-* so it runs after team.spec.ts, whose first test uses the admin's
// one-time password): an admin changes a member's access in one browser context; the member's open
// app in another context follows within 2 seconds, with no reload and no click. The change travels
// as the accessChanged subscription (server-sent events); the fallback poll is 30 s, so only the
// stream can make it in time. Runs in an organization of its own ("Hooli").
import { ADMIN_PASSWORD, expect, shot, signIn, state, test } from './fixtures.ts';
import { choosePassword, ensureOrg, membershipId, provision, readyAdmin } from './helpers.ts';
import type { BrowserContext, Page, Request } from '@playwright/test';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const SLUG = 'hooli';
const LENA = 'lena.live@example.com';
const LENA_PASSWORD = 'Lena-Chooses-A-Password-1';
let org: { id: string; roles: Record<string, string> };

test.beforeAll(async ({ api }) => {
  await readyAdmin(api);
  org = await ensureOrg(api, 'Hooli', SLUG);
  // Lena also belongs to another organization, so a removal leads to the picker.
  const other = await ensureOrg(api, 'Hooli XYZ', 'hooli-xyz');
  const temp = await provision(api, org.id, [{ email: LENA, firstName: 'Lena', lastName: 'Live', roleIds: [org.roles.admin!] }]);
  await provision(api, other.id, [{ email: LENA, firstName: 'Lena', lastName: 'Live', roleIds: [other.roles.viewer!] }]);
  await choosePassword(api, LENA, temp[LENA]!, LENA_PASSWORD);
  await readyAdmin(api);
});

/** Signs Lena in, in a context of her own, on the users page; resolves once her access stream is open. */
async function lenaOnUsersPage(browser: import('@playwright/test').Browser): Promise<{ lena: Page; context: BrowserContext; streams: () => number; close: () => Promise<void> }> {
  const context = await browser.newContext({ baseURL: state().url });
  const lena = await context.newPage();
  const errors: string[] = [];
  context.on('weberror', (error) => errors.push(error.error().message));
  let streams = 0;
  const isStream = (r: Request) => r.url().endsWith('/graphql') && r.headers()['accept'] === 'text/event-stream';
  context.on('request', (r) => void (isStream(r) && streams++));
  const streamOpen = lena.waitForResponse((r) => isStream(r.request()) && r.status() === 200);
  await signIn(lena, LENA, LENA_PASSWORD);
  await lena.goto(`/o/${SLUG}/users`);
  await streamOpen;
  return {
    lena,
    context,
    streams: () => streams,
    close: async () => {
      expect(errors, 'uncaught errors in the member page').toEqual([]);
      await context.close();
    },
  };
}

test('R25: a demotion saved in the admin browser changes the member browser navigation and buttons within 2 s', async ({ page, browser }) => {
  const { lena, close } = await lenaOnUsersPage(browser);
  await expect(lena.getByRole('button', { name: 'Add users' })).toBeVisible({ timeout: 30_000 });
  await expect(lena.getByRole('link', { name: 'Audit log' })).toBeVisible();

  await signIn(page, state().adminEmail, ADMIN_PASSWORD);
  await page.goto(`/o/${SLUG}/users`);
  await page.getByRole('button', { name: `Actions for ${LENA}` }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('tab', { name: 'Organization access' }).click();
  const access = dialog.getByTestId(`access-${SLUG}`);
  await access.getByRole('checkbox', { name: 'Viewer' }).check();
  await access.getByRole('checkbox', { name: 'Admin' }).uncheck();
  const saved = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('setMemberRoles'));
  await access.getByRole('button', { name: 'Save roles' }).click();
  expect((await (await saved).json()).data.setMemberRoles.__typename).toBe('Membership');
  const started = Date.now();

  // Watched in the page every 50 ms (expect's own retries back off to 1 s, too coarse to measure).
  await lena.waitForFunction(
    () => ![...document.querySelectorAll('button, a')].some((e) => ['Add users', 'Audit log'].includes(e.textContent?.trim() ?? '')),
    undefined,
    { polling: 50, timeout: 10_000 },
  );
  const ms = Date.now() - started;
  console.log(`R25: demotion reached the member's open page ${ms} ms after the admin's save answered`);
  expect(ms).toBeLessThan(2_000);
  await expect(lena.getByRole('button', { name: 'Add users' })).toHaveCount(0);
  await expect(lena.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await expect(lena).toHaveURL(new RegExp(`/o/${SLUG}/users$`));
  await close();
});

test('R25: two tabs of one member share one stream, and both follow a promotion', async ({ api, browser }) => {
  await readyAdmin(api);
  const m = await membershipId(api, SLUG, LENA);
  const setRoles = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`;
  await api.gql(setRoles, { m, r: [org.roles.viewer] });
  const { lena, context, streams, close } = await lenaOnUsersPage(browser);
  await expect(lena.getByRole('heading', { name: 'Users' })).toBeVisible({ timeout: 30_000 });
  await expect(lena.getByRole('button', { name: 'Add users' })).toHaveCount(0);
  // The second tab hears the first tab's stream (Web Lock + BroadcastChannel) instead of opening its own.
  const second = await context.newPage();
  await second.goto(`/o/${SLUG}/users`);
  await expect(second.getByRole('heading', { name: 'Users' })).toBeVisible({ timeout: 30_000 });
  await api.gql(setRoles, { m, r: [org.roles.admin] });
  await expect(lena.getByRole('button', { name: 'Add users' })).toBeVisible({ timeout: 5_000 });
  await expect(second.getByRole('button', { name: 'Add users' })).toBeVisible({ timeout: 5_000 });
  expect(streams(), 'event streams opened by the two tabs').toBe(1);
  await close();
});

test('R25: a removed member is taken to the organization picker with a message within 2 s', async ({ api, browser }) => {
  await readyAdmin(api);
  const { lena, close } = await lenaOnUsersPage(browser);
  await expect(lena.getByRole('heading', { name: 'Users' })).toBeVisible({ timeout: 30_000 });
  const m = await membershipId(api, SLUG, LENA);
  const removed = await api.gql<{ removeMember: { __typename: string } }>(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename ... on Error { message } } }`, { m });
  expect(removed.removeMember.__typename).toBe('RemovedMemberPayload');
  const started = Date.now();
  await lena.waitForFunction(() => document.querySelector('[data-testid="access-notice"]') !== null && location.pathname === '/orgs', undefined, { polling: 50, timeout: 10_000 });
  const ms = Date.now() - started;
  await expect(lena.getByTestId('access-notice')).toContainText('You no longer have access to Hooli');
  console.log(`R25: removal reached the member's open page ${ms} ms after the mutation answered`);
  expect(ms).toBeLessThan(2_000);
  await shot(lena, '50-live-access-removed');
  await close();
});
