// Setup helpers for the specs after team.spec: an organization of their own (so they do not depend
// on what team.spec did in Acme), members made through the API, and axe-core checks.
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { ADMIN_PASSWORD, adminApi, roleIds, state, type Api } from './fixtures.ts';

/** Signs the API client in as the platform admin, doing the forced password change if nobody did yet. */
export async function readyAdmin(api: Api): Promise<Api> {
  try {
    return await adminApi(api);
  } catch {
    await api.signIn(state().adminEmail, state().adminPassword);
    const data = await api.gql<{ changePassword: { accessToken?: string } }>(
      `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename ... on AuthPayload { accessToken } } }`,
      { c: state().adminPassword, n: ADMIN_PASSWORD },
    );
    api.token = data.changePassword.accessToken ?? api.token;
    return api;
  }
}

export async function ensureOrg(api: Api, name: string, slug: string): Promise<{ id: string; roles: Record<string, string> }> {
  const found = await api.gql<{ organization: { id: string } | null }>(`query($s: String!) { organization(slug: $s) { id } }`, { s: slug });
  if (!found.organization) {
    const viewer = await api.gql<{ viewer: { id: string } }>(`{ viewer { id } }`);
    await api.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Error { message } } }`, {
      i: { name, slug, ownerUserId: viewer.viewer.id },
    });
  }
  const org = await api.gql<{ organization: { id: string } }>(`query($s: String!) { organization(slug: $s) { id } }`, { s: slug });
  return { id: org.organization.id, roles: await roleIds(api, slug) };
}

export interface Person {
  email: string;
  firstName: string;
  lastName: string;
  roleIds: string[];
}

/** Adds members (10 per call, R7); answers the temporary passwords of new accounts by email. */
export async function provision(api: Api, organizationId: string, people: Person[]): Promise<Record<string, string>> {
  const passwords: Record<string, string> = {};
  for (let i = 0; i < people.length; i += 10) {
    const data = await api.gql<{ provisionMembers: { __typename: string; message?: string; results?: { email: string; temporaryPassword: string | null }[] } }>(
      `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) { __typename ... on ProvisionMembersPayload { results { email temporaryPassword } } ... on Error { message } } }`,
      { o: organizationId, m: people.slice(i, i + 10) },
    );
    if (!data.provisionMembers.results) throw new Error(`provisionMembers: ${data.provisionMembers.__typename} ${data.provisionMembers.message ?? ''}`);
    for (const r of data.provisionMembers.results) if (r.temporaryPassword) passwords[r.email] = r.temporaryPassword;
  }
  return passwords;
}

/** Replaces a temporary password through the API, so the browser signs in straight to the app. */
export async function choosePassword(api: Api, email: string, temporary: string, password: string) {
  await api.signIn(email, temporary);
  await api.gql(`mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename } }`, { c: temporary, n: password });
}

export async function membershipId(api: Api, slug: string, email: string): Promise<string> {
  const data = await api.gql<{ organization: { members: { edges: { node: { id: string; user: { email: string } } }[] } } }>(
    `query($s: String!, $q: String) { organization(slug: $s) { members(first: 5, search: $q) { edges { node { id user { email } } } } } }`,
    { s: slug, q: email },
  );
  const edge = data.organization.members.edges.find((e) => e.node.user.email === email);
  if (!edge) throw new Error(`no member ${email} in ${slug}`);
  return edge.node.id;
}

/** axe-core on the current page (or one region): no serious or critical violation (WCAG 2.1 AA). */
export async function expectAccessible(page: Page, what: string, include?: string) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  // A menu or dialog still fading in blends its text with the page: axe would measure the blend.
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  );
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n')[1] ?? ''}`).join('\n    ')}`);
  expect(bad, `axe-core violations on ${what}`).toEqual([]);
}
