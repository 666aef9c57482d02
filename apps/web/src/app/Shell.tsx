import { Suspense, useEffect } from 'react';
import { resourceTypeLabel } from '../i18n/data-names.ts';
import { AppShell, Badge, Box, Burger, Divider, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { NavLink as RouterNavLink, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import { useSession } from './session.tsx';
import { lastOrg, rememberOrg, useViewer } from './viewer.ts';
import { OrgSwitcher } from '../features/orgs/OrgSwitcher.tsx';
import { PageLoader } from '../components/PageLoader.tsx';
import { ColorSchemeToggle } from '../components/ColorSchemeToggle.tsx';
import { Logo } from '../features/auth/AuthLayout.tsx';
import { schemaSupports } from '../lib/schema-features.ts';
import { useQuery } from 'urql';
import { graphql } from '../graphql/graphql.ts';
import { plural, t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/** Features the active preset turns off disappear from the navigation (invitations under reoclo). */
const PresetPolicyQuery = graphql(`
  query ShellPresetPolicy {
    preset { key policy { invitations } resourceTypes { key pluralName } }
  }
`);

// Inline rather than imported from the users feature, so the frame does not pull its query module.
const PendingInvitationCountQuery = graphql(`
  query PendingInvitationCount($slug: String!) {
    organization(slug: $slug) {
      id
      invitations(first: 1, status: [PENDING]) {
        totalCount
      }
    }
  }
`);

interface Item {
  to: string;
  label: string;
  permission?: string;
}

const orgNavItems = (): Item[] => [
  { to: 'users', label: t`Users`, permission: 'members:read' },
  ...(schemaSupports.invitations ? [{ to: 'invitations', label: t`Invitations`, permission: 'members:invite' }] : []),
  { to: 'roles', label: t`Roles`, permission: 'members:read' },
  { to: 'audit', label: t`Audit log`, permission: 'audit:read' },
  { to: 'service-accounts', label: t`Service accounts`, permission: 'service_accounts:manage' },
  { to: 'webhooks', label: t`Webhooks`, permission: 'integrations:manage' },
  { to: 'settings', label: t`Settings` },
];

function SideLink({ to, label, testId = label, onClick, count }: { to: string; label: string; testId?: string; onClick(): void; count?: { n: number; says: string } }) {
  const location = useLocation();
  const active = location.pathname === to || location.pathname.startsWith(`${to}/`);
  const badge = count && count.n > 0 ? (
    <Badge size="sm" variant="light" circle={count.n < 10} aria-label={count.says} data-testid={`nav-count-${testId}`}>
      {count.n}
    </Badge>
  ) : undefined;
  return <NavLink component={RouterNavLink} to={to} label={label} active={active} onClick={onClick} aria-current={active ? 'page' : undefined} rightSection={badge} />;
}

/** App frame: org switcher top-left (R14), navigation of the active organization, account links. */
export default function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const { viewer } = useViewer();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const match = useMatch('/o/:slug/*');
  const slug = match?.params.slug ?? lastOrg();
  const membership = viewer?.memberships.find((m) => m.organization.slug === slug);
  // An organization of one's own is remembered as soon as its address is open, so leaving for My
  // account before its page has loaded still keeps it in the navigation (OrgRoute remembers the
  // organizations a platform admin opens without being a member, once they load).
  const openSlug = match?.params.slug;
  const ownOpen = Boolean(openSlug && membership);
  useEffect(() => {
    if (openSlug && ownOpen) rememberOrg(openSlug);
  }, [openSlug, ownOpen]);
  const perms = new Set(membership?.organization.viewerPermissions ?? []);
  const [{ data: presetData }] = useQuery({ query: PresetPolicyQuery });
  const invitationsOn = presetData?.preset.policy.invitations ?? true;
  // One page per resource type of the preset (OEC projects, Spaces spaces): every member may have some.
  // (From the API rather than the preset definitions, which would add their chunk to every first load.)
  const resourceItems: Item[] = (presetData?.preset.resourceTypes ?? []).map((type) => ({ to: `resources/${type.key}`, label: resourceTypeLabel(type.pluralName) }));

  const orgItems = slug && (membership || viewer?.isPlatformAdmin)
    ? [...resourceItems, ...orgNavItems()].filter((i) => (i.to !== 'invitations' || invitationsOn) && (!i.permission || viewer?.isPlatformAdmin || perms.has(i.permission)))
    : [];

  // Pending invitations, counted in the navigation (next to Invitations, else next to Users).
  const mayReadInvitations = invitationsOn && (viewer?.isPlatformAdmin || perms.has('members:invite') || perms.has('members:read'));
  const [{ data: pendingData }] = useQuery({ query: PendingInvitationCountQuery, variables: { slug: slug ?? '' }, pause: !slug || !mayReadInvitations || orgItems.length === 0 });
  const pending = pendingData?.organization?.invitations?.totalCount ?? 0;
  const countOn = orgItems.some((i) => i.to === 'invitations') ? 'invitations' : 'users';
  const pendingCount = { n: pending, says: t`${plural(pending, { one: '# pending invitation', other: '# pending invitations' })}` };

  return (
    <AppShell header={{ height: 56, collapsed: false }} navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <a href="#main" className="gh-skip-link">
          <Trans>Skip to content</Trans>
        </a>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t`Toggle navigation`} />
            <Logo size={26} />
            <Text fw={700}>Gatehouse</Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {viewer && (
              <Text size="sm" c="dimmed" truncate visibleFrom="xs">
                {viewer.displayName || viewer.email}
              </Text>
            )}
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label={t`Main navigation`}>
        <AppShell.Section>
          <OrgSwitcher activeSlug={slug} onNavigate={close} />
        </AppShell.Section>
        {/* A plain scrolling section: Mantine's ScrollArea would add its own chunk to every first load. */}
        <AppShell.Section grow mt="sm" style={{ overflowY: 'auto' }}>
          {orgItems.map((item) => (
            <SideLink key={item.to} to={`/o/${slug}/${item.to}`} label={item.label} testId={item.to === 'invitations' ? 'Invitations' : item.to === 'users' ? 'Users' : item.to} onClick={close} count={item.to === countOn ? pendingCount : undefined} />
          ))}
          {viewer?.isPlatformAdmin && (
            <>
              <Divider my="sm" label={t`Platform`} labelPosition="left" />
              <SideLink to="/admin/organizations" label={t`All organizations`} onClick={close} />
              <SideLink to="/admin/users" label={t`All users`} onClick={close} />
            </>
          )}
        </AppShell.Section>
        <AppShell.Section>
          <Divider my="sm" />
          <SideLink to="/account" label={t`My account`} onClick={close} />
          <SideLink to="/access-tokens" label={t`Access tokens`} onClick={close} />
          <NavLink
            component="button"
            label={t`Sign out`}

            onClick={() => {
              void signOut().then(() => navigate('/sign-in', { replace: true }));
            }}
          />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Box maw={1280} mx="auto">
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
