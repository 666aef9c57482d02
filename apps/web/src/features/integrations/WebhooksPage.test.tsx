import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { parseEventTypes, testResult, WebhooksPanel } from './WebhooksPage.tsx';
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

  it('says what became of a test event: queued, delivered with the answer, retried, failed, or why it was not sent', () => {
    const sent = { endpointId: 'e1', deliveryId: 'd9', sequence: 12, error: null };
    expect(testResult(sent, undefined)).toBe('Test event #12 queued…');
    expect(testResult(sent, { status: 'PENDING', lastStatus: null, lastError: null })).toBe('Test event #12 queued…');
    expect(testResult(sent, { status: 'SUCCEEDED', lastStatus: 204, lastError: null })).toBe('Test event #12 delivered: the endpoint answered 204');
    expect(testResult(sent, { status: 'PENDING', lastStatus: 500, lastError: 'HTTP 500' })).toBe('Test event #12 not delivered yet (HTTP 500); it will be retried');
    expect(testResult(sent, { status: 'FAILED', lastStatus: null, lastError: 'Timed out after 10000 ms' })).toBe('Test event #12 failed: Timed out after 10000 ms');
    expect(testResult({ ...sent, deliveryId: null, sequence: null, error: 'This endpoint is turned off' }, undefined)).toBe('Test event not sent: This endpoint is turned off');
  });

  it('sends a test event from an endpoint and shows its result from the delivery log', async () => {
    let sent = false;
    const endpoint = (deliveries: unknown[]) => ({
      __typename: 'WebhookEndpoint', id: 'e2', url: 'https://hooks.example.com/t', eventTypes: ['membership.removed'], enabled: true, disabledReason: null, previousSecretValidUntil: null, deliveries,
    });
    const { client, calls } = mockClient((name) => {
      if (name === 'WebhookEndpoints') {
        return { webhookEndpoints: [endpoint(sent ? [{ __typename: 'WebhookDelivery', id: 'd9', sequence: 12, eventType: 'webhook.test', status: 'SUCCEEDED', attemptCount: 1, lastStatus: 200, lastError: null, lastAttemptAt: '2026-11-20T10:00:00Z' }] : [])] };
      }
      if (name === 'SendTestWebhook') {
        sent = true;
        return { sendTestWebhook: { __typename: 'WebhookDelivery', id: 'd9', sequence: 12, status: 'PENDING' } };
      }
      return undefined;
    });
    const user = userEvent.setup({ delay: null });
    renderWith(<WebhooksPanel orgId="o1" />, { client });
    const section = await screen.findByRole('region', { name: 'Endpoint https://hooks.example.com/t' });
    await user.click(within(section).getByRole('button', { name: 'Send test event' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'SendTestWebhook' && c.variables.endpointId === 'e2')).toBe(true));
    expect(await within(section).findByText('Test event #12 delivered: the endpoint answered 200')).toBeInTheDocument();
    expect(within(section).getByText('webhook.test')).toBeInTheDocument();
  });
});
