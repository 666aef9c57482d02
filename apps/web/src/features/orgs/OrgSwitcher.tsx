import { Badge, Group, Menu, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { roleLabel } from '../../i18n/data-names.ts';
import { useNavigate } from 'react-router';
import { IconSelector } from '@tabler/icons-react';
import { rememberOrg, useViewer } from '../../app/viewer.ts';
import { OrgAvatar } from './OrgAvatar.tsx';
import classes from './OrgPicker.module.css';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** Click the organization name (top-left) to switch organizations (R14). */
export function OrgSwitcher({ activeSlug, onNavigate }: { activeSlug: string | null; onNavigate(): void }) {
  const { viewer } = useViewer();
  const navigate = useNavigate();
  const memberships = [...(viewer?.memberships ?? [])].sort((a, b) => a.organization.name.localeCompare(b.organization.name));
  const active = memberships.find((m) => m.organization.slug === activeSlug);
  const name = active?.organization.name ?? activeSlug ?? t`Choose an organization`;

  const go = (slug: string) => {
    rememberOrg(slug);
    onNavigate();
    navigate(`/o/${slug}/users`);
  };

  return (
    <Menu width="target" position="bottom-start" shadow="md" withinPortal>
      <Menu.Target>
        <UnstyledButton className={classes.item} data-testid="org-switcher">
          {/* The visible text is part of the name (WCAG 2.5.3); the avatar is decoration. */}
          <VisuallyHidden><Trans>Switch organization, current:</Trans></VisuallyHidden>
          <Group gap="sm" wrap="nowrap">
            <OrgAvatar name={name} size={32} disabled={active?.organization.status === 'DISABLED'} />
            <div style={{ flex: 1, minWidth: 0 }}>
              <Text size="sm" fw={600} truncate>
                {name}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {active ? active.roles.map(roleLabel).join(', ') : t`Switch organization`}
              </Text>
            </div>
            <IconSelector size={16} color="var(--mantine-color-dimmed)" aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label><Trans>Your organizations</Trans></Menu.Label>
        {memberships.map((m) => {
          const disabled = m.status !== 'ACTIVE' || m.organization.status !== 'ACTIVE';
          return (
            <Menu.Item
              key={m.id}
              disabled={disabled}
              onClick={() => go(m.organization.slug)}
              leftSection={<OrgAvatar name={m.organization.name} size={22} disabled={disabled} />}
              rightSection={
                disabled ? (
                  <Badge size="xs" color="gray" variant="light">
                    <Trans>disabled</Trans>
                  </Badge>
                ) : m.organization.slug === activeSlug ? (
                  <Text size="xs" c="dimmed">
                    <Trans>current</Trans>
                  </Text>
                ) : null
              }
            >
              {m.organization.name}
            </Menu.Item>
          );
        })}
        {memberships.length === 0 && <Menu.Item disabled><Trans>No organizations</Trans></Menu.Item>}
        <Menu.Divider />
        <Menu.Item
          onClick={() => {
            onNavigate();
            navigate('/orgs');
          }}
        >
          <Trans>All my organizations…</Trans>

        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
