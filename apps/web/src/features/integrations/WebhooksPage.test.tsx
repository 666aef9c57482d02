import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { parseEventTypes, WebhooksPanel } from './WebhooksPage.tsx';
import { mockClient, renderWith } from '../../test/render.tsx';

describe('Webhooks (R24)', { timeout: 30_000 }, () => {
  it('reads event types from a comma or space separated list; empty means all', () => {
    expect(parseEventTypes(' membership.removed, membership.roles_changed membership.removed ')).toEqual(['membership.removed', 'membership.roles_changed']);
    expect(parseEventTypes('  ')).toEqual(['*']);
  });

  it('adds an endpoint (field errors from the API, then the secret once), shows the delivery log and redelivers', async () => {
    let attempt = 0;
    const endpoint = {
      __typename: 'WebhookEndpoint', id: 'e1', url: 'https://hooks.example.com/a', eventTypes: ['*'], enabled: false,
      disabledReason: 'Disabled after 8 failed attempts of one delivery: HTTP 503', previousSecretValidUntil: null,
      deliveries: [{ __typename: 'WebhookDelivery', id: 'd1', sequence: 7, eventType: 'membership.removed', status: 'FAILED', attemptCount: 8, lastStatus: 503, lastError: 'HTTP 503', lastAttemptAt: '2026-11-20T10:00:00Z' }],
    };
    const { client, calls } = mockClient((name) => {
      if (name === 'WebhookEndpoints') return { webhookEndpoints: [endpoint] };
      if (name === 'CreateWebhookEndpoint') {
        attempt += 1;
        if (attempt === 1) return { createWebhookEndpoint: { __typename: 'ValidationError', message: 'Invalid', issues: [{ __typename: 'FieldIssue', path: ['input', 'url'], message: 'This address may not receive deliveries (loopback, private or link-local)' }] } };
        return { createWebhookEndpoint: { __typename: 'WebhookSecretPayload', secret: 'whsec_abc' } };
      }
      if (name === 'RedeliverWebhook') return { redeliverWebhook: { __typename: 'WebhookDelivery' } };
      return undefined;
    });
    const user = userEvent.setup({ delay: null });
    renderWith(<WebhooksPanel orgId="o1" />, { client });
    const form = await screen.findByRole('form', { name: 'New webhook endpoint' });
    await user.type(within(form).getByLabelText('URL'), 'http://127.0.0.1/x');
    await user.click(within(form).getByRole('button', { name: 'Add endpoint' }));
    expect(await screen.findByText(/may not receive deliveries/)).toBeInTheDocument();
    await user.clear(within(form).getByLabelText('URL'));
    await user.type(within(form).getByLabelText('URL'), 'https://hooks.example.com/b');
    await user.type(within(form).getByLabelText(/Event types/), 'membership.removed');
    await user.click(within(form).getByRole('button', { name: 'Add endpoint' }));
    expect(await screen.findByTestId('new-webhook-secret')).toHaveTextContent('whsec_abc');
    expect(calls.filter((c) => c.name === 'CreateWebhookEndpoint').at(-1)?.variables).toEqual({ input: { organizationId: 'o1', url: 'https://hooks.example.com/b', eventTypes: ['membership.removed'] } });

    const section = screen.getByRole('region', { name: 'Endpoint https://hooks.example.com/a' });
    expect(within(section).getByText(/Disabled after 8 failed attempts/)).toBeInTheDocument();
    expect(within(section).getByText('FAILED')).toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Redeliver 7' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'RedeliverWebhook' && c.variables.deliveryId === 'd1')).toBe(true));
  });
});
