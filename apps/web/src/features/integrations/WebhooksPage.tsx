import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert, Badge, Button, Code, CopyButton, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useOrg } from '../orgs/org-context.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import { CreateWebhookEndpointMutation, RedeliverWebhookMutation, RotateWebhookSecretMutation, SendTestWebhookMutation, UpdateWebhookEndpointMutation, WebhookEndpointsQuery } from './queries.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { formatDateTime } from '../../i18n/format.ts';
import { readError } from '../../lib/errors.ts';

/** "a.b, c.d" → ["a.b", "c.d"]; empty means every event (*). */
export function parseEventTypes(text: string): string[] {
  const list = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  return list.length ? [...new Set(list)] : ['*'];
}

const when = formatDateTime;

/** A test event sent from this page: which endpoint, and its delivery once the API answered. */
interface TestSent {
  endpointId: string;
  deliveryId: string | null;
  sequence: number | null;
  error: string | null;
}

/** What the page says about a test event, from its delivery in the log (the worker sends it within a second or so). */
export function testResult(sent: TestSent, delivery: { status: string; lastStatus: number | null; lastError: string | null } | undefined): string {
  if (sent.error) return t`Test event not sent: ${sent.error}`;
  const sequence = String(sent.sequence);
  if (!delivery || (delivery.status === 'PENDING' && delivery.lastStatus === null && delivery.lastError === null)) return t`Test event #${sequence} queued…`;
  const status = String(delivery.lastStatus);
  if (delivery.status === 'SUCCEEDED') return t`Test event #${sequence} delivered: the endpoint answered ${status}`;
  const answer = delivery.lastStatus !== null ? `HTTP ${status}` : (delivery.lastError ?? t`no answer`);
  return delivery.status === 'FAILED' ? t`Test event #${sequence} failed: ${answer}` : t`Test event #${sequence} not delivered yet (${answer}); it will be retried`;
}

/** How often, and how many times, the log is read again while a test event is on its way. */
const TEST_POLL_MS = 1000;
const TEST_POLLS = 15;

/** R24: Organization → Webhooks: endpoints, event types, secret rotation, the delivery log with redelivery, a test event. */
export function WebhooksPanel({ orgId }: { orgId: string }) {
  const [{ data, fetching }, refetch] = useQuery({ query: WebhookEndpointsQuery, variables: { orgId } });
  const [, create] = useMutation(CreateWebhookEndpointMutation);
  const [, update] = useMutation(UpdateWebhookEndpointMutation);
  const [, rotate] = useMutation(RotateWebhookSecretMutation);
  const [, redeliver] = useMutation(RedeliverWebhookMutation);
  const [, sendTest] = useMutation(SendTestWebhookMutation);
  const [test, setTest] = useState<TestSent | null>(null);
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState<string | null>(null);
  const testDelivery = test?.deliveryId ? data?.webhookEndpoints.find((e) => e.id === test.endpointId)?.deliveries.find((d) => d.id === test.deliveryId) : undefined;
  const testSettled = testDelivery !== undefined && (testDelivery.status !== 'PENDING' || testDelivery.lastStatus !== null || testDelivery.lastError !== null);
  // While the test event is on its way, read the log again until its first answer is recorded.
  useEffect(() => {
    if (!test?.deliveryId || testSettled) return;
    let polls = 0;
    const timer = setInterval(() => {
      polls += 1;
      refetch({ requestPolicy: 'network-only' });
      if (polls >= TEST_POLLS) clearInterval(timer);
    }, TEST_POLL_MS);
    return () => clearInterval(timer);
  }, [test?.deliveryId, testSettled, refetch]);
  if (fetching && !data) return <PageLoader />;
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const sendTestEvent = async (endpointId: string) => {
    const res = await sendTest({ endpointId });
    const out = res.data?.sendTestWebhook;
    if (out?.__typename === 'WebhookDelivery') setTest({ endpointId, deliveryId: out.id, sequence: out.sequence, error: null });
    else setTest({ endpointId, deliveryId: null, sequence: null, error: readError(out)?.message ?? res.error?.message ?? t`The test event could not be sent` });
    reload();
  };

  const submit = async () => {
    const res = await create({ input: { organizationId: orgId, url: url.trim(), eventTypes: parseEventTypes(types) } });
    const out = res.data?.createWebhookEndpoint;
    if (out?.__typename === 'WebhookSecretPayload') {
      setSecret(out.secret);
      setUrl('');
      setTypes('');
      setErrors({});
      reload();
    } else if (readError(out)?.issues.length) {
      setErrors(Object.fromEntries((readError(out)?.issues ?? []).map((i) => [String(i.path[1] ?? i.path[0]), i.message])));
    } else {
      setErrors({ form: readError(out)?.message ?? t`The endpoint could not be created` });
    }
  };

  return (
    <Stack gap="lg">
      <Title order={2}><Trans>Webhooks</Trans></Title>
      <Text c="dimmed"><Trans>Every change in this organization, signed (Standard Webhooks), in order per endpoint, retried for a day.</Trans></Text>
      {secret && (
        <Alert color="green" title={t`Signing secret: copy it now, it is shown only once`} role="status">
          <Group wrap="nowrap">
            <Code data-testid="new-webhook-secret">{secret}</Code>
            <CopyButton value={secret}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? t`Copied` : t`Copy`}</Button>}</CopyButton>
            <Button size="xs" variant="subtle" onClick={() => setSecret(null)}><Trans>Done</Trans></Button>
          </Group>
        </Alert>
      )}
      <Paper withBorder p="md">
        <form aria-label={t`New webhook endpoint`} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <Stack>
            <TextInput label={t`URL`} placeholder="https://hooks.example.com/gatehouse" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={errors['url']} />
            <TextInput label={t`Event types`} description={t`Audit actions, comma separated (e.g. membership.roles_changed); empty for all`} value={types} onChange={(e) => setTypes(e.currentTarget.value)} error={errors['eventTypes']} />
            {errors['form'] && <Alert color="red">{errors['form']}</Alert>}
            <Group><Button type="submit"><Trans>Add endpoint</Trans></Button></Group>
          </Stack>
        </form>
      </Paper>
      {(data?.webhookEndpoints ?? []).map((e) => (
        <Paper key={e.id} withBorder p="md" component="section" aria-label={t`Endpoint ${e.url}`}>
          <Group justify="space-between">
            <Stack gap={2}>
              <Group gap="xs"><Code>{e.url}</Code><Badge color={e.enabled ? 'green' : 'gray'}>{e.enabled ? t`Enabled` : t`Disabled`}</Badge></Group>
              <Text size="sm" c="dimmed"><Trans>Events: {e.eventTypes.join(', ')}</Trans></Text>
              {e.disabledReason && <Text size="sm" c="red">{e.disabledReason}</Text>}
            </Stack>
            <Group>
              <Button size="xs" variant="light" onClick={async () => { const out = (await rotate({ endpointId: e.id })).data?.rotateWebhookSecret; if (out?.__typename === 'WebhookSecretPayload') setSecret(out.secret); reload(); }}><Trans>Rotate secret</Trans></Button>
              <Button size="xs" variant="light" disabled={!e.enabled} onClick={() => void sendTestEvent(e.id)}><Trans>Send test event</Trans></Button>
              <Button size="xs" variant="light" onClick={async () => { await update({ input: { endpointId: e.id, enabled: !e.enabled } }); reload(); }}>{e.enabled ? t`Disable` : t`Enable`}</Button>
            </Group>
          </Group>
          {test?.endpointId === e.id && (
            <Alert mt="sm" color={test.error || testDelivery?.status === 'FAILED' ? 'red' : testDelivery?.status === 'SUCCEEDED' ? 'green' : 'blue'} role="status" data-testid="webhook-test-result" withCloseButton onClose={() => setTest(null)}>
              {testResult(test, testDelivery)}
            </Alert>
          )}
          <Table mt="sm" aria-label={t`Deliveries to ${e.url}`}>
            <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th><Trans>Event</Trans></Table.Th><Table.Th><Trans>Status</Trans></Table.Th><Table.Th><Trans>Attempts</Trans></Table.Th><Table.Th><Trans>Last answer</Trans></Table.Th><Table.Th><Trans>When</Trans></Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {e.deliveries.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{d.sequence}</Table.Td>
                  <Table.Td>{d.eventType}</Table.Td>
                  <Table.Td><Badge color={d.status === 'SUCCEEDED' ? 'green' : d.status === 'FAILED' ? 'red' : 'yellow'}>{d.status}</Badge></Table.Td>
                  <Table.Td>{d.attemptCount}</Table.Td>
                  <Table.Td>{d.lastStatus ?? d.lastError ?? '—'}</Table.Td>
                  <Table.Td>{when(d.lastAttemptAt)}</Table.Td>
                  <Table.Td><Button size="xs" variant="subtle" aria-label={t`Redeliver ${d.sequence}`} onClick={async () => { await redeliver({ deliveryId: d.id }); reload(); }}><Trans>Redeliver</Trans></Button>
</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ))}
    </Stack>
  );
}

export default function WebhooksPage() {
  const { org } = useOrg();
  return <WebhooksPanel orgId={org.id} />;
}
