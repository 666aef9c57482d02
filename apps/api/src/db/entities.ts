import { User } from '../modules/users/user.entity.ts';
import { Organization } from '../modules/organizations/organization.entity.ts';
import { Role } from '../modules/roles/role.entity.ts';
import { Membership } from '../modules/memberships/membership.entity.ts';
import { AuditEvent } from '../modules/audit/audit-event.entity.ts';
import { Session } from '../modules/sessions/session.entity.ts';
import { Invitation } from '../modules/invitations/invitation.entity.ts';
import { EmailToken } from '../modules/users/email-token.entity.ts';
import { PersonalAccessToken } from '../modules/tokens/personal-access-token.entity.ts';
import { ServiceAccount, ServiceAccountKey } from '../modules/service-accounts/service-account.entity.ts';
import { AuditChainHead } from '../modules/audit/audit-chain-head.entity.ts';
import { InvitationRole } from '../modules/invitations/invitation-role.entity.ts';
import { InvitationResourceGrant } from '../modules/invitations/invitation-resource-grant.entity.ts';
import { ServiceAccountRole } from '../modules/service-accounts/service-account-role.entity.ts';
import { OwnershipTransfer } from '../modules/organizations/ownership-transfer.entity.ts';
import { Resource, ResourceGrant } from '../modules/resources/resource.entity.ts';
import { MailOutbox } from '../modules/mail/mail-outbox.entity.ts';
import { LoginThrottle } from '../auth/login-throttle.entity.ts';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../modules/webhooks/webhook.entity.ts';

/** Every table has an entity; test/schema-entities.test.ts checks them against the migrations. */
export const entities = [User, Organization, Role, Membership, AuditEvent, Session, Invitation, EmailToken, PersonalAccessToken, ServiceAccount, ServiceAccountKey, WebhookEndpoint, WebhookEvent, WebhookDelivery, WebhookAttempt,
  AuditChainHead, InvitationRole, InvitationResourceGrant, ServiceAccountRole, OwnershipTransfer, Resource, ResourceGrant, MailOutbox, LoginThrottle,
];
