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
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../modules/webhooks/webhook.entity.ts';

export const entities = [User, Organization, Role, Membership, AuditEvent, Session, Invitation, EmailToken, PersonalAccessToken, ServiceAccount, ServiceAccountKey, WebhookEndpoint, WebhookEvent, WebhookDelivery, WebhookAttempt];
