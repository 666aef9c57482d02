import { useState } from 'react';
import { Alert, Badge, Group, Paper, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from 'urql';
import { graphql } from '../../graphql/graphql.ts';
import { useOrg } from '../orgs/org-context.ts';
import { MemberPicker } from '../../components/MemberPicker.tsx';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

const ExplainQuery = graphql(`
  query ExplainPermission($organizationId: ID!, $userId: ID!, $permission: String!) {
    explainPermission(organizationId: $organizationId, userId: $userId, permission: $permission) {
      permission
      allowed
      known
      membershipActive
      grantedBy {
        id
        name
      }
    }
  }
`);

/** "Why can (or can't) this member do X?": which of their roles grant a permission. */
export function ExplainPermission({ catalog }: { catalog: { resource: string; permissions: { key: string; description: string }[] }[] }) {
  const { org } = useOrg();
  const [userId, setUserId] = useState<string | null>(null);
  const [permission, setPermission] = useState<string | null>(null);
  const [answer] = useQuery({
    query: ExplainQuery,
    variables: { organizationId: org.id, userId: userId ?? '', permission: permission ?? '' },
    pause: !userId || !permission,
  });
  const result = answer.data?.explainPermission;

  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Title order={3} size="h4">
          <Trans>Check a permission</Trans>
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <MemberPicker slug={org.slug} label={t`Member`} valueKind="user" value={userId} onChange={(v) => setUserId(v)} />
          <Select
            label={t`Permission`}
            placeholder={t`e.g. deployments:create`}
            searchable
            data={catalog.map((g) => ({ group: g.resource, items: g.permissions.map((p) => ({ value: p.key, label: p.key })) }))}
            value={permission}
            onChange={setPermission}
          />
        </SimpleGrid>
        {answer.error && <Alert color="red">{answer.error.message}</Alert>}
        {userId && permission && result === null && <Text size="sm"><Trans>Not a member of {org.name}.</Trans></Text>}
        {result && (
          <Group gap="xs" data-testid="explain-result">
            <Badge color={result.allowed ? 'green' : 'gray'} variant="light">
              {result.allowed ? t`Allowed` : t`Not allowed`}
            </Badge>
            <Text size="sm">
              {result.allowed
                ? t`Granted by ${result.grantedBy.map((r) => r.name).join(', ')}.`
                : !result.membershipActive
                  ? t`The membership is disabled.`
                  : result.grantedBy.length > 0
                    ? t`Held through ${result.grantedBy.map((r) => r.name).join(', ')}, but not in effect.`
                    : t`None of their roles grants it.`}

            </Text>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
