// Resource grants carried by an invitation (R8 + R19): invite someone straight into a project (OEC)
// or space. Only the grants the rules allow are offered (inviteGrantOptions: the shared
// checkResourceGrantChange of @gatehouse/permissions); the API checks them again at invitation time
// and once more on acceptance.
import { ActionIcon, Alert, Button, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { IconX } from '@tabler/icons-react';
import { useQuery } from 'urql';
import { useOrg } from '../orgs/org-context.ts';
import { GrantableResourcesQuery } from './queries.ts';
import { defaultInviteRole, inviteGrantIssues, inviteGrantOptions, resourceTypesOf, type InviteGrantDraft, type InviteGrantOption } from './resource-ui-rules.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { resourceTypeLabel, resourceTypeNoun } from '../../i18n/data-names.ts';

/** How many resources the picker offers (the API's page limit); more need the resource's members tab. */
export const GRANTABLE_RESOURCES_PAGE = 100;

/** The resources the viewer may read, with what they hold on each (one query, first page of 100). */
export function useGrantableResources(active = true) {
  const { org, preset } = useOrg();
  const types = resourceTypesOf(preset.key);
  const [result] = useQuery({ query: GrantableResourcesQuery, variables: { slug: org.slug, first: GRANTABLE_RESOURCES_PAGE }, pause: !active || types.length === 0 });
  const connection = result.data?.organization?.resourcesConnection;
  return {
    types,
    typesLabel: types.map((t) => resourceTypeLabel(t.pluralName)).join(' and '),
    resources: connection?.edges.map((e) => e.node) ?? [],
    fetching: result.fetching,
    error: result.error?.message ?? null,
    more: (connection?.totalCount ?? 0) > GRANTABLE_RESOURCES_PAGE,
  };
}

/** The options for people given `invitedOrgRoleKeys`, and what the picker needs besides. */
export function useInviteGrantOptions(invitedOrgRoleKeys: readonly string[]) {
  const { preset, perms } = useOrg();
  const grantable = useGrantableResources();
  // Cheap (at most 100 resources × a few roles): computed per render, always from the current roles.
  const options = inviteGrantOptions(preset.key, grantable.resources, perms, invitedOrgRoleKeys);
  return { ...grantable, options };
}

export interface InviteResourceGrantsProps {
  options: readonly InviteGrantOption[];
  typesLabel: string;
  value: readonly InviteGrantDraft[];
  onChange(next: InviteGrantDraft[]): void;
  /** Problems from the API (index → message), shown under the row. */
  serverIssues?: ReadonlyMap<number, string>;
  fetching?: boolean;
  error?: string | null;
  more?: boolean;
  /** When the grants are made (invitation: on acceptance; provisioning: at once). */
  hint?: string;
}

export function InviteResourceGrants({ options, typesLabel, value, onChange, serverIssues, fetching, error, more, hint }: InviteResourceGrantsProps) {
  const issues = inviteGrantIssues(options, value);
  const manageable = options.filter((o) => o.reason === null);
  const free = manageable.filter((o) => !value.some((d) => d.resourceId === o.resource.id));
  const severalTypes = new Set(options.map((o) => o.def.key)).size > 1;
  const label = (o: InviteGrantOption) => (severalTypes ? `${resourceTypeLabel(o.def.name)}: ${o.resource.name}` : o.resource.name);
  const patch = (i: number, change: Partial<InviteGrantDraft>) => onChange(value.map((d, j) => (j === i ? { ...d, ...change } : d)));

  const add = () => {
    const next = free[0];
    if (!next) return;
    onChange([...value, { resourceId: next.resource.id, roleKey: defaultInviteRole(next) ?? '' }]);
  };

  const types = typesLabel.toLowerCase();
  const noneReason = fetching

    ? t`Loading…`
    : options.length === 0
      ? t`No ${types} you can see yet.`
      : manageable.length === 0
        ? t`You do not manage the members of any of them: ${options[0]!.reason ?? ''}`.trim()
        : free.length === 0
          ? t`Every one you manage is in the list.`
          : null;

  return (
    <Stack gap="xs" role="group" aria-label={t`Access to ${types}`} data-testid="invite-resource-grants">
      <div>
        <Text size="sm" fw={500}>
          <Trans>Access to {types} (optional)</Trans>
        </Text>
        <Text size="xs" c="dimmed">
          {hint ?? t`Given when the invitation is accepted, if you may still grant it then.`} <Trans>Only the roles you may give to the chosen role are offered.</Trans>
        </Text>
      </div>
      {error && (
        <Alert color="red" variant="light">
          {error}
        </Alert>
      )}
      {value.map((draft, i) => {
        const option = options.find((o) => o.resource.id === draft.resourceId);
        const issue = serverIssues?.get(i) ?? issues.get(i) ?? null;
        const name = option ? label(option) : 'resource';
        return (
          <Group key={`${i}-${draft.resourceId}`} align="flex-start" gap="xs" wrap="nowrap" data-testid={`invite-grant-${i}`}>
            <NativeSelect
              style={{ flex: 1 }}
              aria-label={`Resource ${i + 1}`}
              data={options.map((o) => {
                const taken = o.resource.id !== draft.resourceId && value.some((d) => d.resourceId === o.resource.id);
                const why = o.reason ?? (taken ? 'already in the list' : null);
                return { value: o.resource.id, label: why ? `${label(o)} — ${why}` : label(o), disabled: why !== null };
              })}
              value={draft.resourceId}
              onChange={(e) => {
                const next = options.find((o) => o.resource.id === e.currentTarget.value);
                patch(i, { resourceId: e.currentTarget.value, roleKey: next ? (defaultInviteRole(next) ?? '') : '' });
              }}
              error={issue}
            />
            <NativeSelect
              style={{ flex: 1 }}
              aria-label={t`Role on ${name}`}
              data={[
                ...(option?.roles.some((r) => r.value === draft.roleKey) ? [] : [{ value: '', label: t`Choose a role`, disabled: true }]),
                ...(option?.roles ?? []).map((r) => ({ value: r.value, label: r.reason ? `${r.label} — ${r.reason}` : r.label, disabled: r.disabled })),
              ]}
              value={draft.roleKey}
              onChange={(e) => patch(i, { roleKey: e.currentTarget.value })}
            />
            <ActionIcon mt={6} variant="subtle" color="gray" aria-label={t`Remove ${name} from the invitation`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
              <IconX size={14} />
            </ActionIcon>
          </Group>
        );
      })}
      <Group gap="xs">
        <Button variant="subtle" size="compact-sm" disabled={noneReason !== null} onClick={add}>
          + Add access to a {severalTypes || !options[0] ? 'resource' : resourceTypeNoun(options[0].def.name)}
        </Button>
        {noneReason && value.length === 0 && (
          <Text size="xs" c="dimmed">
            {noneReason}
          </Text>
        )}
      </Group>
      {more && (
        <Text size="xs" c="dimmed">
          <Trans>Only the first {GRANTABLE_RESOURCES_PAGE} are offered here; add members to others from their page.</Trans>

        </Text>
      )}
    </Stack>
  );
}
