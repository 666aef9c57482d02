// The ownership panel against a mocked API (R6, preset with a single owner): the recipient of a
// pending offer accepts or declines it by the transfer's global id, as the API answers it
// (`OwnershipTransfer.id`, a node like every object, issue 10).
import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { OwnershipTransferPanel } from './OwnershipTransferPanel.tsx';
import { OrgContext } from '../orgs/org-context.ts';
import { mockClient, renderWith } from '../../test/render.tsx';
import { orgContext } from '../../test/org.ts';

const gid = (type: string, id: string) => btoa(`${type}:${id}`);
const TRANSFER = gid('OwnershipTransfer', '7a1d2c3b-0000-4000-8000-000000000001');
const ME = gid('User', '7a1d2c3b-0000-4000-8000-000000000002');

const viewer = {
  __typename: 'User', id: ME, email: 'me@example.com', firstName: 'Me', lastName: 'Member', displayName: 'Me Member', authProvider: 'credentials',
  status: 'ACTIVE', isPlatformAdmin: false, mustChangePassword: false, createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null, memberships: [],
};

function respond(name: string) {
  if (name === 'Viewer') return { viewer };
  if (name === 'OwnershipTransferPanel') {
    return {
      organization: {
        __typename: 'Organization',
        id: 'org-1',
        pendingOwnershipTransfer: {
          __typename: 'OwnershipTransfer',
          id: TRANSFER,
          status: 'PENDING',
          from: { __typename: 'User', id: gid('User', 'owner'), email: 'owner@example.com', displayName: 'Olive Owner' },
          to: { __typename: 'Membership', id: gid('Membership', 'mine'), user: { __typename: 'User', id: ME, email: 'me@example.com', displayName: 'Me Member' } },
        },
      },
    };
  }
  if (name === 'AcceptOwnershipTransfer') return { acceptOwnershipTransfer: { __typename: 'Organization', id: 'org-1' } };
  if (name === 'CancelOwnershipTransfer') return { cancelOwnershipTransfer: { __typename: 'OwnershipTransfer', id: TRANSFER, status: 'CANCELLED' } };
  return undefined;
}

function renderPanel() {
  const mock = mockClient(respond);
  renderWith(
    <OrgContext value={orgContext('admin', { ownerModel: 'single', ownershipTransfer: true })}>
      <OwnershipTransferPanel />
    </OrgContext>,
    { client: mock.client },
  );
  return mock;
}

describe('OwnershipTransferPanel', { timeout: 30_000 }, () => {
  it('R6: the recipient accepts the offer by the transfer\'s global id', async () => {
    const { calls } = renderPanel();
    await screen.findByText('Olive Owner offers you ownership of Acme.');
    await userEvent.click(screen.getByRole('button', { name: 'Accept ownership' }));
    await waitFor(() => expect(calls.filter((c) => c.name === 'AcceptOwnershipTransfer').map((c) => c.variables)).toEqual([{ transferId: TRANSFER }]));
  });

  it('R6: the recipient declines it by the same id', async () => {
    const { calls } = renderPanel();
    await userEvent.click(await screen.findByRole('button', { name: 'Decline' }));
    await waitFor(() => expect(calls.filter((c) => c.name === 'CancelOwnershipTransfer').map((c) => c.variables)).toEqual([{ transferId: TRANSFER }]));
  });
});
