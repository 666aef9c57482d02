import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AccessTokensPanel, tokenOrganizations } from './AccessTokensPage.tsx';
import { mockClient, renderWith } from '../../test/render.tsx';
import type { Viewer } from '../../app/viewer.ts';

const org = (id: string, name: string, viewerPermissions: string[], status = 'ACTIVE') => ({
  __typename: 'Membership' as const,
  id: `m-${id}`,
  status,
  roles: [],
  organization: { __typename: 'Organization' as const, id, slug: id, name, status: 'ACTIVE', viewerPermissions },
});

const VIEWER = {
  id: 'u1',
  email: 'ada@example.com',
  memberships: [
    org('o1', 'Acme', ['org:read', 'org:own', 'tokens:create', 'projects:read', 'deployments:create']),
    org('o2', 'Viewer only', ['org:read', 'projects:read']),
    org('o3', 'Disabled', ['tokens:create', 'projects:read'], 'DISABLED'),
  ],
} as unknown as Viewer;

const TOKEN = {
  __typename: 'PersonalAccessToken',
  id: 't1',
  name: 'ci',
  hint: 'AbCd',
  permissions: ['projects:read'],
  createdAt: '2026-11-01T00:00:00Z',
  expiresAt: null,
  lastUsedAt: '2026-11-20T10:00:00Z',
  revokedAt: null,
  active: true,
  organization: { __typename: 'Organization', id: 'o1', name: 'Acme' },
};

describe('Access tokens (R23)', { timeout: 30_000 }, () => {
  it('offers only organizations where one may create tokens, and only one’s own permissions, never org:own', () => {
    expect(tokenOrganizations(VIEWER)).toEqual([{ id: 'o1', name: 'Acme', permissions: ['org:read', 'tokens:create', 'projects:read', 'deployments:create'] }]);
  });

  it('creates a token with the chosen subset, shows the secret once, lists and revokes', async () => {
    let tokens = [TOKEN];
    const { client, calls } = mockClient((name, variables) => {
      if (name === 'AccessTokens') return { personalAccessTokens: tokens };
      if (name === 'CreateAccessToken') {
        const created = { ...TOKEN, id: 't2', name: 'deploys', hint: 'WxYz', permissions: (variables.input as { permissions: string[] }).permissions };
        tokens = [created, ...tokens];
        return { createPersonalAccessToken: { __typename: 'CreatedPersonalAccessToken', secret: 'ghpat_secretvalue', token: created } };
      }
      if (name === 'RevokeAccessToken') return { revokePersonalAccessToken: { ...TOKEN, active: false, revokedAt: '2026-11-21T00:00:00Z' } };
      return undefined;
    });
    const user = userEvent.setup({ delay: null });
    renderWith(<AccessTokensPanel viewer={VIEWER} />, { client });
    const form = screen.getByRole('form', { name: 'New access token' });
    expect(within(form).queryByLabelText('org:own')).toBeNull();

    await user.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await screen.findByText('Give the token a name')).toBeInTheDocument();
    expect(screen.getByText('Choose at least one permission')).toBeInTheDocument();
    expect(calls.filter((c) => c.name === 'CreateAccessToken')).toEqual([]);

    await user.type(within(form).getByLabelText('Name'), 'deploys');
    await user.click(within(form).getByLabelText('deployments:create'));
    await user.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await screen.findByTestId('new-token-secret')).toHaveTextContent('ghpat_secretvalue');
    expect(calls.find((c) => c.name === 'CreateAccessToken')?.variables).toEqual({
      input: { organizationId: 'o1', name: 'deploys', permissions: ['deployments:create'], expiresInDays: 90 },
    });

    const table = screen.getByRole('table', { name: 'Your access tokens' });
    await waitFor(() => expect(within(table).getByText('deploys')).toBeInTheDocument());
    await user.click(within(table).getByRole('button', { name: 'Revoke ci' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'RevokeAccessToken' && c.variables.tokenId === 't1')).toBe(true));
  });
});
