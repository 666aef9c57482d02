// Audit action and family labels in the active language, by the stable action key of
// packages/permissions (its English labels are the source text: a test keeps them equal).
import type { MessageDescriptor } from '@lingui/core';
import { i18n } from '@lingui/core';
import { msg } from '@lingui/core/macro';
import { AUDIT_ACTION_LABELS, AUDIT_FAMILY_LABELS, type AuditAction, type AuditActionFamily } from '@gatehouse/permissions';

export const AUDIT_ACTION_MESSAGES: Record<AuditAction, MessageDescriptor> = {
  'organization.created': msg`Organization created`,
  'organization.updated': msg`Organization changed`,
  'organization.disabled': msg`Organization disabled`,
  'organization.enabled': msg`Organization enabled`,
  'organization.deleted': msg`Organization deleted`,
  'ownership.transfer_requested': msg`Ownership transfer offered`,
  'ownership.transfer_cancelled': msg`Ownership transfer cancelled`,
  'ownership.transferred': msg`Ownership transferred`,
  'members.provisioned': msg`Members added`,
  'membership.granted': msg`Access granted`,
  'membership.roles_changed': msg`Roles changed`,
  'membership.disabled': msg`Member disabled`,
  'membership.enabled': msg`Member enabled`,
  'membership.removed': msg`Member removed`,
  'membership.left': msg`Member left`,
  'invitations.sent': msg`Invitations sent`,
  'invitation.resent': msg`Invitation resent`,
  'invitation.revoked': msg`Invitation revoked`,
  'invitation.accepted': msg`Invitation accepted`,
  'role.created': msg`Role created`,
  'role.updated': msg`Role changed`,
  'role.deleted': msg`Role deleted`,
  'user.created': msg`Account created`,
  'user.updated': msg`Profile changed`,
  'user.disabled': msg`Account disabled`,
  'user.enabled': msg`Account enabled`,
  'user.deleted': msg`Account deleted`,
  'user.password_changed': msg`Password changed`,
  'user.password_reset': msg`Temporary password set`,
  'user.email_verification_requested': msg`Address confirmation sent`,
  'user.email_verified': msg`Address confirmed`,
  'user.email_change_requested': msg`Address change requested`,
  'user.email_changed': msg`Address changed`,
  'session.signed_in': msg`Signed in`,
  'session.signed_out': msg`Signed out`,
  'session.signed_out_everywhere': msg`Signed out everywhere`,
  'session.reuse_detected': msg`Refresh token reused`,
  'token.created': msg`Access token created`,
  'token.revoked': msg`Access token revoked`,
  'service_account.created': msg`Service account created`,
  'service_account.roles_changed': msg`Service account roles changed`,
  'service_account.disabled': msg`Service account disabled`,
  'service_account.enabled': msg`Service account enabled`,
  'service_account.deleted': msg`Service account deleted`,
  'service_account.key_created': msg`API key created`,
  'service_account.key_rotated': msg`API key rotated`,
  'service_account.key_revoked': msg`API key revoked`,
  'resource.created': msg`Resource created`,
  'resource.renamed': msg`Resource renamed`,
  'resource.deleted': msg`Resource deleted`,
  'resource.role_granted': msg`Resource role granted`,
  'resource.role_revoked': msg`Resource role revoked`,
  'webhook.endpoint_created': msg`Webhook endpoint created`,
  'webhook.endpoint_updated': msg`Webhook endpoint changed`,
  'webhook.endpoint_disabled': msg`Webhook endpoint disabled`,
  'webhook.endpoint_deleted': msg`Webhook endpoint deleted`,
  'webhook.secret_rotated': msg`Webhook secret rotated`,
  'webhook.redelivered': msg`Webhook delivery retried`,
  'webhook.replayed': msg`Webhook events replayed`,
  'webhook.test': msg`Webhook test event sent`,
};

export const AUDIT_FAMILY_MESSAGES: Record<AuditActionFamily, MessageDescriptor> = {
  organization: msg`Organization`,
  ownership: msg`Ownership`,
  members: msg`Members added`,
  membership: msg`Memberships`,
  invitations: msg`Invitations sent`,
  invitation: msg`Invitations`,
  role: msg`Roles`,
  user: msg`Accounts`,
  session: msg`Sign-ins`,
  token: msg`Access tokens`,
  service_account: msg`Service accounts`,
  resource: msg`Resources`,
  webhook: msg`Webhooks`,
};

/** `Roles changed` for `membership.roles_changed`; an action this SPA does not know stays as it is. */
export function auditActionLabel(action: string): string {
  const message = AUDIT_ACTION_MESSAGES[action as AuditAction];
  return message ? i18n._(message) : (AUDIT_ACTION_LABELS[action as AuditAction] ?? action);
}

export function auditFamilyLabel(family: AuditActionFamily): string {
  const message = AUDIT_FAMILY_MESSAGES[family];
  return message ? i18n._(message) : AUDIT_FAMILY_LABELS[family];
}
