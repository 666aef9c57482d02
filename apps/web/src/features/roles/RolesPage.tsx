import { useMemo, useState } from 'react';
import {
  Accordion, Alert, Anchor, Badge, Button, Checkbox, Group, Paper, SimpleGrid, Stack, Text, Textarea, TextInput, Title, Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { checkGrant, expandPermissions, ORG_OWN, validateCustomRole } from '@gatehouse/permissions';
import { graphql, readFragment, type FragmentOf, type ResultOf } from '../../graphql/graphql.ts';
import { ErrorFields } from '../../graphql/fragments.ts';
import { useOrg } from '../orgs/org-context.ts';
import { failureMessage, fieldErrors, type Payload } from '../../lib/errors.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { GuardedModal } from '../../components/GuardedModal.tsx';
import { Link } from 'react-router';
import { PageLoader } from '../../components/PageLoader.tsx';
import { isOwnerRole } from '@gatehouse/permissions';
import { ExplainPermission } from './ExplainPermission.tsx';
import { plural, t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { permissionDescription } from '../../i18n/permission-descriptions.ts';
import { roleIssueText } from '../../i18n/rule-texts.ts';
import { roleLabel } from '../../i18n/data-names.ts';

/** What a role card shows (RoleCard owns it). */
const RoleCardFields = graphql(`
  fragment RoleCardFields on Role {
    key
    name
    description
    permissions
    builtin
    memberCount
  }
`);

/** What the custom role editor starts from (RoleEditor owns it). */
const RoleEditorFields = graphql(`
  fragment RoleEditorFields on Role {
    id
    name
    description
    permissions
  }
`);

/** The page's own fields of a role (sections, delete dialog, the editor's name check), and its children's. */
const RoleListFields = graphql(
  `
  fragment RoleListFields on Role {
    id
    name
    builtin
    memberCount
    ...RoleCardFields
    ...RoleEditorFields
  }
`,
  [RoleCardFields, RoleEditorFields],
);

type OrgRole = ResultOf<typeof RoleListFields>;

const RolesQuery = graphql(
  `
  query Roles($slug: String!) {
    organization(slug: $slug) {
      id
      roles {
        ...RoleListFields
      }
    }
    permissionCatalog {
      resource
      kind
      permissions {
        key
        action
        description
        usedByPreset
      }
    }
  }
`,
  [RoleListFields],
);

const CreateRoleMutation = graphql(
  `
  mutation CreateRole($input: CreateRoleInput!) {
    createRole(input: $input) {
      __typename
      ... on Role {
        ...RoleListFields
      }
      ...ErrorFields
      ... on LimitExceededError {
        limit
      }
    }
  }
`,
  [RoleListFields, ErrorFields],
);

const UpdateRoleMutation = graphql(
  `
  mutation UpdateRole($input: UpdateRoleInput!) {
    updateRole(input: $input) {
      __typename
      ... on Role {
        ...RoleListFields
      }
      ...ErrorFields
    }
  }
`,
  [RoleListFields, ErrorFields],
);

const DeleteRoleMutation = graphql(
  `
  mutation DeleteRole($roleId: ID!, $force: Boolean) {
    deleteRole(roleId: $roleId, force: $force) {
      __typename
      ... on DeletedPayload {
        deletedId
      }
      ... on RoleInUseError {
        memberCount
      }
      ...ErrorFields
    }
  }
`,
  [ErrorFields],
);

type Catalog = { resource: string; kind: string; permissions: { key: string; action: string; description: string; usedByPreset: boolean }[] }[];

/**
 * What the custom-role editor offers: the permissions the active preset's roles use, not other
 * platforms' (issue 11), plus any the role already holds, so nothing it has is hidden.
 */
export function editorCatalog(catalog: Catalog, held: ReadonlySet<string>): Catalog {
  return catalog
    .map((group) => ({ ...group, permissions: group.permissions.filter((p) => p.usedByPreset || held.has(p.key)) }))
    .filter((group) => group.permissions.length > 0);
}

/** Built-in roles (read-only, from the preset) and custom roles (R12). */
export default function RolesPage() {
  const { org, preset, perms } = useOrg();
  const [result] = useQuery({ query: RolesQuery, variables: { slug: org.slug } });
  const [editing, setEditing] = useState<OrgRole | 'new' | null>(null);
  const [deleting, setDeleting] = useState<OrgRole | null>(null);
  const [inUse, setInUse] = useState<number | null>(null);
  const [, deleteRole] = useMutation(DeleteRoleMutation);
  const roles = readFragment(RoleListFields, result.data?.organization?.roles ?? []);
  const catalog = (result.data?.permissionCatalog ?? []) as Catalog;
  const builtin = roles.filter((r) => r.builtin);
  const custom = roles.filter((r) => !r.builtin);
  const limit = preset.policy.customRoleLimit;
  const canManage = perms.has('roles:manage');

  if (!result.data && result.fetching) return <PageLoader />;
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2"><Trans>Roles</Trans></Title>
          <Text c="dimmed" size="sm">
            <Trans>What each role may do in {org.name}. Built-in roles come from the {preset.name} preset.</Trans>
          </Text>
        </div>
        {limit > 0 && canManage && (
          <Tooltip label={t`At most ${limit} custom roles`} disabled={custom.length < limit}>
            <Button onClick={() => setEditing('new')} disabled={custom.length >= limit}>
              <Trans>New custom role</Trans>
            </Button>
          </Tooltip>
        )}
      </Group>

      <section aria-labelledby="builtin-roles">
        <Title order={3} size="h4" id="builtin-roles" mb="sm">
          <Trans>Built-in roles</Trans>
        </Title>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
          {builtin.map((role) => (
            <RoleCard key={role.id} role={role} catalog={catalog} />
          ))}
        </SimpleGrid>
      </section>

      <section aria-labelledby="custom-roles">
        <Group justify="space-between" mb="sm">
          <Title order={3} size="h4" id="custom-roles">
            <Trans>Custom roles</Trans>
          </Title>
          <Text size="sm" c="dimmed" data-testid="custom-role-count">
            {limit === 0 ? t`The preset allows no custom roles.` : t`${custom.length} of ${limit} used`}
          </Text>
        </Group>
        {custom.length === 0 && limit > 0 && <Text c="dimmed"><Trans>No custom roles yet.</Trans></Text>}
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
          {custom.map((role) => (
            <RoleCard
              key={role.id}
              role={role}
              catalog={catalog}
              onEdit={canManage ? () => setEditing(role) : undefined}
              onDelete={canManage ? () => setDeleting(role) : undefined}
            />
          ))}
        </SimpleGrid>
      </section>

      {perms.has('members:read') && catalog.length > 0 && <ExplainPermission catalog={catalog} />}

      {editing && (
        <RoleEditor
          role={editing === 'new' ? null : editing}
          catalog={catalog}
          existing={roles}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          opened
          title={t`Delete the role ${deleting.name}?`}
          confirmLabel={t`Delete role`}
          onClose={() => {
            setDeleting(null);
            setInUse(null);
          }}
          onConfirm={async () => {
            // Never forced: members who hold only this role would be left active with no role.
            const res = await deleteRole({ roleId: deleting.id, force: false });
            const payload = res.data?.deleteRole;
            if (payload?.__typename === 'RoleInUseError') {
              setInUse(payload.memberCount);
              return plural(payload.memberCount, {
                one: '# member holds this role. Give them another role first, then delete it.',
                other: '# members hold this role. Give them another role first, then delete it.',
              });
            }
            const message = failureMessage(payload, res.error, 'DeletedPayload');
            if (!message) notifications.show({ color: 'green', message: t`Role ${deleting.name} deleted.` });
            return message;
          }}
        >
          <Stack gap="xs">
            <Text size="sm"><Trans>A role that members hold cannot be deleted: nobody is left without a role.</Trans></Text>
            {(inUse ?? deleting.memberCount) > 0 && (
              <Anchor component={Link} to={`/o/${org.slug}/users?role=${encodeURIComponent(deleting.id)}`} size="sm" data-testid="role-holders-link">
                {plural(inUse ?? deleting.memberCount, { one: `See the # member with ${deleting.name}`, other: `See the # members with ${deleting.name}` })}
              </Anchor>
            )}
          </Stack>
        </ConfirmDialog>
      )}
    </Stack>
  );
}

function RoleCard({ role: ref, catalog, onEdit, onDelete }: { role: FragmentOf<typeof RoleCardFields>; catalog: Catalog; onEdit?(): void; onDelete?(): void }) {
  const role = readFragment(RoleCardFields, ref);
  const perms = expandPermissions(role.permissions);
  const groups = catalog
    .map((g) => ({ ...g, held: g.permissions.filter((p) => perms.has(p.key)) }))
    .filter((g) => g.held.length > 0);
  return (
    <Paper withBorder p="md" radius="md" data-testid={`role-${role.key}`}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Text fw={600}>{roleLabel(role)}</Text>
            {isOwnerRole(role) && (
              <Badge color="grape" variant="light" size="sm">
                <Trans>top role</Trans>
              </Badge>
            )}
            {role.builtin ? (
              <Badge variant="outline" color="gray" size="sm">
                <Trans>built-in</Trans>
              </Badge>
            ) : (
              <Badge variant="outline" size="sm">
                <Trans>custom</Trans>
              </Badge>
            )}
          </Group>
          <Text size="sm" c="dimmed" className="gh-nowrap">
            {plural(role.memberCount, { one: '# member', other: '# members' })}
          </Text>
        </Group>
        {role.description && (
          <Text size="sm" c="dimmed">
            {role.description}
          </Text>
        )}
        <Accordion variant="default" chevronPosition="left">
          <Accordion.Item value="perms">
            <Accordion.Control>
              <Text size="sm">{plural(perms.size, { one: '# permission', other: '# permissions' })}</Text>
            </Accordion.Control>
            <Accordion.Panel>
              <Stack gap={4}>
                {groups.map((g) => (
                  <Text size="xs" key={g.resource}>
                    <Text span fw={600} size="xs">
                      {g.resource}
                    </Text>
                    : {g.held.map((p) => p.action).join(', ')}
                  </Text>
                ))}
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        </Accordion>
        {(onEdit || onDelete) && (
          <Group justify="flex-end" gap="xs">
            {onEdit && (
              <Button size="xs" variant="default" onClick={onEdit}>
                <Trans>Edit</Trans>
              </Button>
            )}
            {onDelete && (
              <Button size="xs" variant="subtle" color="red" onClick={onDelete}>
                <Trans>Delete</Trans>
              </Button>
            )}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/** Create or edit a custom role: permission checkboxes grouped by resource, within your own (R3, R12). */
function RoleEditor({ role: ref, catalog, existing, onClose }: {
  role: FragmentOf<typeof RoleEditorFields> | null;
  catalog: Catalog;
  existing: readonly { id: string; name: string; builtin: boolean }[];
  onClose(): void;
}) {
  const role = readFragment(RoleEditorFields, ref);
  const { org, preset, perms: actorPerms } = useOrg();
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [selected, setSelected] = useState<Set<string>>(() => expandPermissions(role?.permissions ?? []) as Set<string>);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, create] = useMutation(CreateRoleMutation);
  const [, update] = useMutation(UpdateRoleMutation);
  const others = useMemo(() => existing.filter((r) => r.id !== role?.id), [existing, role]);
  const initialPerms = useMemo(() => expandPermissions(role?.permissions ?? []), [role]);
  const offered = useMemo(() => editorCatalog(catalog, initialPerms), [catalog, initialPerms]);
  const dirty =
    name !== (role?.name ?? '') ||
    description !== (role?.description ?? '') ||
    selected.size !== initialPerms.size ||
    [...selected].some((p) => !initialPerms.has(p));

  const toggle = (key: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  async function save() {
    const permissions = [...selected];
    const issues = validateCustomRole(
      { name, description, permissions },
      { existingNames: others.map((r) => r.name), count: others.filter((r) => !r.builtin).length, policy: preset.policy },
    );
    const local: Record<string, string> = {};
    for (const i of issues) local[i.field[0] ?? '_'] ??= roleIssueText(i, preset.policy.customRoleLimit);

    setErrors(local);
    setFormError(local._ ?? local.permissions ?? null);
    if (issues.length) return;
    setBusy(true);
    const input = { name: name.trim(), description, permissions };
    const [payload, error]: [Payload | null | undefined, CombinedError | undefined] = role
      ? await update({ input: { roleId: role.id, ...input } }).then((r) => [r.data?.updateRole, r.error])
      : await create({ input: { organizationId: org.id, ...input } }).then((r) => [r.data?.createRole, r.error]);
    setBusy(false);
    if (payload?.__typename === 'Role') {
      notifications.show({ color: 'green', message: t`Role ${name.trim()} saved.` });
      onClose();
      return;
    }
    if (payload?.__typename === 'ValidationError') setErrors(fieldErrors(payload));
    setFormError(failureMessage(payload, error, 'Role'));
  }

  return (
    <GuardedModal opened onClose={onClose} dirty={dirty} title={role ? t`Edit ${role.name}` : t`New custom role`} size="xl">
      <Stack gap="md">
        <TextInput label={t`Name`} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
        <Textarea label={t`Description`} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} autosize minRows={2} />
        <Text size="sm" fw={500}>
          <Trans>Permissions ({selected.size})</Trans>
        </Text>
        <Text size="xs" c="dimmed">
          <Trans>You can only give permissions you hold yourself. {ORG_OWN} is reserved for the top role.</Trans>
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
          {offered.map((group) => (
            <Paper withBorder p="sm" radius="md" key={group.resource}>
              <Checkbox.Group label={group.resource} value={group.permissions.map((p) => p.key).filter((k) => selected.has(k))}>
                <Stack gap={4} mt={6}>
                  {group.permissions.map((p) => {
                    const reason =
                      p.key === ORG_OWN ? t`Reserved for the top role.` : !checkGrant(actorPerms, { permissions: [p.key] }).ok ? t`You do not hold this permission.` : null;
                    return (
                      <Tooltip key={p.key} label={reason ?? permissionDescription(p.key, p.description)} multiline w={240} withinPortal position="top-start">
                        <div>
                          <Checkbox
                            value={p.key}
                            label={p.action}
                            size="xs"
                            disabled={reason !== null && !selected.has(p.key)}
                            checked={selected.has(p.key)}
                            onChange={(e) => toggle(p.key, e.currentTarget.checked)}
                          />
                        </div>
                      </Tooltip>
                    );
                  })}
                </Stack>
              </Checkbox.Group>
            </Paper>
          ))}
        </SimpleGrid>
        {formError && (
          <Alert color="red" variant="light" role="alert">
            {formError}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            <Trans>Cancel</Trans>
          </Button>
          <Button onClick={() => void save()} loading={busy}>
            {role ? t`Save role` : t`Create role`}

          </Button>
        </Group>
      </Stack>
    </GuardedModal>
  );
}
