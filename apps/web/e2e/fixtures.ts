import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import { STATE_FILE, type E2EState } from './server.ts';

export const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');

export function state(): E2EState {
  return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as E2EState;
}

/** The admin's password after the forced change in the first test. */
export const ADMIN_PASSWORD = 'Correct-Horse-Battery-42';

export const test = base.extend<{ api: Api; pageErrors: void }>({
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
  baseURL: async ({}, use) => {
    await use(state().url);
  },
  api: async ({ playwright }, use) => {
    const request = await playwright.request.newContext({ baseURL: state().url });
    await use(new Api(request));
    await request.dispose();
  },
});

export { expect };

export async function shot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** Plain GraphQL calls for test setup, with a bearer token from signIn(RESPONSE). */
export class Api {
  token: string | null = null;
  constructor(private request: APIRequestContext) {}

  async gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await this.request.post('/graphql', {
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      data: { query, variables },
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data as T;
  }

  async signIn(email: string, password: string) {
    const data = await this.gql<{ signIn: { __typename: string; accessToken?: string; message?: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p, refreshTokenDelivery: RESPONSE) { __typename ... on AuthPayload { accessToken } ... on Error { message } } }`,
      { e: email, p: password },
    );
    if (!data.signIn.accessToken) throw new Error(`sign-in failed: ${data.signIn.__typename} ${data.signIn.message ?? ''}`);
    this.token = data.signIn.accessToken;
  }
}

/** Signs the API client in as the platform admin (after the first test changed the password). */
export async function adminApi(api: Api): Promise<Api> {
  await api.signIn(state().adminEmail, ADMIN_PASSWORD);
  return api;
}

export async function roleIds(api: Api, slug: string): Promise<Record<string, string>> {
  const data = await api.gql<{ organization: { roles: { id: string; key: string }[] } }>(`query($s: String!) { organization(slug: $s) { roles { id key } } }`, { s: slug });
  return Object.fromEntries(data.organization.roles.map((r) => [r.key, r.id]));
}

/** The printed API schema: tests of features the API has not shipped yet are skipped. */
export async function schemaText(): Promise<string> {
  return fs.readFileSync(path.join(import.meta.dirname, '../../api/schema.graphql'), 'utf8');
}
