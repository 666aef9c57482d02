import { lazy, Suspense, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { MantineProvider } from '@mantine/core';
import { I18nProvider } from '@lingui/react';
import { i18n } from '../i18n/locale.ts';
import { useNotifications } from '@mantine/notifications';
import { cssVariablesResolver, theme } from './theme.ts';
import { SessionProvider, type SessionStatus } from './session.tsx';
import { RequireSession } from './RequireSession.tsx';
import { PageLoader } from '../components/PageLoader.tsx';
import { Localized } from '../i18n/Localized.tsx';

// Route-level code splitting: each page is its own chunk.
const SignInPage = lazy(() => import('../features/auth/SignInPage.tsx'));
const ChangePasswordPage = lazy(() => import('../features/auth/ChangePasswordPage.tsx'));
const HomeRedirect = lazy(() => import('../features/orgs/HomeRedirect.tsx'));
const OrgPickerPage = lazy(() => import('../features/orgs/OrgPickerPage.tsx'));
const Shell = lazy(() => import('./Shell.tsx'));
const OrgRoute = lazy(() => import('../features/orgs/OrgRoute.tsx'));
const UsersPage = lazy(() => import('../features/users/UsersPage.tsx'));
const MemberDetailPage = lazy(() => import('../features/users/MemberDetailPage.tsx'));
const RolesPage = lazy(() => import('../features/roles/RolesPage.tsx'));
const AuditPage = lazy(() => import('../features/audit/AuditPage.tsx'));
const SettingsPage = lazy(() => import('../features/settings/SettingsPage.tsx'));
const InvitationsPage = lazy(() => import('../features/invitations/InvitationsPage.tsx'));
const AcceptInvitationPage = lazy(() => import('../features/invitations/AcceptInvitationPage.tsx'));
const AccountPage = lazy(() => import('../features/account/AccountPage.tsx'));
const AccessTokensPage = lazy(() => import('../features/integrations/AccessTokensPage.tsx'));
const ServiceAccountsPage = lazy(() => import('../features/integrations/ServiceAccountsPage.tsx'));
const WebhooksPage = lazy(() => import('../features/integrations/WebhooksPage.tsx'));
const ConfirmEmailPage = lazy(() => import('../features/account/ConfirmEmailPage.tsx'));
const AdminOrgsPage = lazy(() => import('../features/admin/AdminOrgsPage.tsx'));
const AdminUsersPage = lazy(() => import('../features/admin/AdminUsersPage.tsx'));
const NotFoundPage = lazy(() => import('../components/NotFoundPage.tsx'));
const ResourcesPage = lazy(() => import('../features/resources/ResourcesPage.tsx'));
const ResourcePage = lazy(() => import('../features/resources/ResourcePage.tsx'));

export function AppRoutes() {
  return (
    <Suspense fallback={<PageLoader />}>
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        {/* The invitation token travels in the fragment (#token=…); /invite/:token is the older link form. */}
        <Route path="/invitations/accept" element={<AcceptInvitationPage />} />
        <Route path="/invite/:token" element={<AcceptInvitationPage />} />
        {/* R20: public, signed in or not; the token travels in the fragment (#token=…). */}
        <Route path="/account/confirm-email" element={<ConfirmEmailPage />} />
        <Route element={<RequireSession />}>
          <Route path="/change-password" element={<ChangePasswordPage />} />
          <Route index element={<HomeRedirect />} />
          <Route path="/orgs" element={<OrgPickerPage />} />
          <Route element={<Shell />}>
            <Route path="/o/:slug" element={<OrgRoute />}>
              <Route index element={<Navigate to="users" replace />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="users/:membershipId" element={<MemberDetailPage />} />
              <Route path="roles" element={<RolesPage />} />
              <Route path="invitations" element={<InvitationsPage />} />
              <Route path="audit" element={<AuditPage />} />
              <Route path="settings" element={<SettingsPage />} />
              <Route path="service-accounts" element={<ServiceAccountsPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="resources/:type" element={<ResourcesPage />} />
              <Route path="resources/:type/:resourceId" element={<ResourcePage />} />
            </Route>
            <Route path="/account" element={<AccountPage />} />
            <Route path="/access-tokens" element={<AccessTokensPage />} />
            <Route path="/admin" element={<Navigate to="/admin/organizations" replace />} />
            <Route path="/admin/organizations" element={<AdminOrgsPage />} />
            <Route path="/admin/users" element={<AdminUsersPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Route>
      </Routes>
    </Suspense>
  );
}

// The notification container loads with the first notification: the store keeps it until then.
const Notifications = lazy(() => import('@mantine/notifications/container').then((m) => ({ default: m.Notifications })));

function DeferredNotifications() {
  const { notifications, queue } = useNotifications();
  const [wanted, setWanted] = useState(false);
  if (!wanted && notifications.length + queue.length > 0) setWanted(true);
  return wanted ? (
    <Suspense fallback={null}>
      <Notifications position="top-right" />
    </Suspense>
  ) : null;
}

export function Providers({ children, initialStatus }: { children: ReactNode; initialStatus?: SessionStatus }) {
  return (
    <I18nProvider i18n={i18n}>
      <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
        <DeferredNotifications />
        <SessionProvider initialStatus={initialStatus}>{children}</SessionProvider>
      </MantineProvider>
    </I18nProvider>
  );
}


export function App() {
  return (
    <Providers>
      <BrowserRouter>
        <Localized>
          <AppRoutes />
        </Localized>

      </BrowserRouter>
    </Providers>
  );
}
