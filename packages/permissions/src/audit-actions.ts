// Every audit action Gatehouse writes (R13), with the label the SPA shows. The API's audit writer
// accepts only these names, and the SPA's filters are built from them, so a filter can never name
// an action nobody writes. Actions are `family.event`; a filter ending in "." selects a family.

export const AUDIT_ACTION_LABELS = {
  'organization.created': 'Organization created',
  'organization.updated': 'Organization changed',
  'organization.disabled': 'Organization disabled',
  'organization.enabled': 'Organization enabled',
  'organization.deleted': 'Organization deleted',
  'ownership.transfer_requested': 'Ownership transfer offered',
  'ownership.transfer_cancelled': 'Ownership transfer cancelled',
  'ownership.transferred': 'Ownership transferred',
  'members.provisioned': 'Members added',
  'membership.granted': 'Access granted',
  'membership.roles_changed': 'Roles changed',
  'membership.disabled': 'Member disabled',
  'membership.enabled': 'Member enabled',
  'membership.removed': 'Member removed',
  'membership.left': 'Member left',
  'invitations.sent': 'Invitations sent',
  'invitation.resent': 'Invitation resent',
  'invitation.revoked': 'Invitation revoked',
  'invitation.accepted': 'Invitation accepted',
  'role.created': 'Role created',
  'role.updated': 'Role changed',
  'role.deleted': 'Role deleted',
  'user.created': 'Account created',
  'user.updated': 'Profile changed',
  'user.disabled': 'Account disabled',
  'user.enabled': 'Account enabled',
  'user.deleted': 'Account deleted',
  'user.password_changed': 'Password changed',
  'user.password_reset': 'Temporary password set',
  'user.email_verification_requested': 'Address confirmation sent',
  'user.email_verified': 'Address confirmed',
  'user.email_change_requested': 'Address change requested',
  'user.email_changed': 'Address changed',
  'session.signed_in': 'Signed in',
  'session.signed_out': 'Signed out',
  'session.signed_out_everywhere': 'Signed out everywhere',
  'session.reuse_detected': 'Refresh token reused',
  'token.created': 'Access token created',
  'token.revoked': 'Access token revoked',
  'service_account.created': 'Service account created',
  'service_account.roles_changed': 'Service account roles changed',
  'service_account.disabled': 'Service account disabled',
  'service_account.enabled': 'Service account enabled',
  'service_account.deleted': 'Service account deleted',
  'service_account.key_created': 'API key created',
  'service_account.key_rotated': 'API key rotated',
  'service_account.key_revoked': 'API key revoked',
  'resource.created': 'Resource created',
  'resource.renamed': 'Resource renamed',
  'resource.deleted': 'Resource deleted',
  'resource.role_granted': 'Resource role granted',
  'resource.role_revoked': 'Resource role revoked',
  'webhook.endpoint_created': 'Webhook endpoint created',
  'webhook.endpoint_updated': 'Webhook endpoint changed',
  'webhook.endpoint_disabled': 'Webhook endpoint disabled',
  'webhook.endpoint_deleted': 'Webhook endpoint deleted',
  'webhook.secret_rotated': 'Webhook secret rotated',
  'webhook.redelivered': 'Webhook delivery retried',
  'webhook.replayed': 'Webhook events replayed',
  'webhook.test': 'Webhook test event sent',
} as const satisfies Record<string, string>;

export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;

export const AUDIT_ACTIONS = Object.freeze(Object.keys(AUDIT_ACTION_LABELS)) as readonly AuditAction[];

type FamilyOf<A extends string> = A extends `${infer F}.${string}` ? F : never;
/** The part before the dot: `membership` of `membership.removed`. */
export type AuditActionFamily = FamilyOf<AuditAction>;

export const AUDIT_FAMILY_LABELS: Readonly<Record<AuditActionFamily, string>> = {
  organization: 'Organization',
  ownership: 'Ownership',
  members: 'Members added',
  membership: 'Memberships',
  invitations: 'Invitations sent',
  invitation: 'Invitations',
  role: 'Roles',
  user: 'Accounts',
  session: 'Sign-ins',
  token: 'Access tokens',
  service_account: 'Service accounts',
  resource: 'Resources',
  webhook: 'Webhooks',
};

export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(AUDIT_ACTION_LABELS, value);
}

/** The filter for a whole family: its name and a dot. */
export function auditFamilyFilter(family: AuditActionFamily): `${AuditActionFamily}.` {
  return `${family}.`;
}

/** A filter value the audit log understands: an action, or a family followed by ".". */
export function isAuditActionFilter(value: string): boolean {
  return isAuditAction(value) || (value.endsWith('.') && Object.hasOwn(AUDIT_FAMILY_LABELS, value.slice(0, -1)));
}
