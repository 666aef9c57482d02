import { Migration20261123000001_initial } from './Migration20261123000001_initial.ts';
import { Migration20261123000002_invitations } from './Migration20261123000002_invitations.ts';
import { Migration20261123000003_ownership_transfer } from './Migration20261123000003_ownership_transfer.ts';
import { Migration20261123000004_resources } from './Migration20261123000004_resources.ts';
import { Migration20261123000005_proven_addresses } from './Migration20261123000005_proven_addresses.ts';
import { Migration20261123000006_audit_chain } from './Migration20261123000006_audit_chain.ts';
import { Migration20261124000010_resource_grant_same_org } from './Migration20261124000010_resource_grant_same_org.ts';
import { Migration20261124000020_a_personal_access_tokens } from './Migration20261124000020_a_personal_access_tokens.ts';
import { Migration20261124000020_b_service_accounts } from './Migration20261124000020_b_service_accounts.ts';
import { Migration20261124000020_c_webhooks } from './Migration20261124000020_c_webhooks.ts';
import { Migration20261124000030_invitation_resource_grants } from './Migration20261124000030_invitation_resource_grants.ts';
import { Migration20261124000050_live_access } from './Migration20261124000050_live_access.ts';
import { Migration20261124054000_membership_sort_keys } from './Migration20261124054000_membership_sort_keys.ts';

/** Listed explicitly so the migrator needs no file discovery (the API runs .ts directly). */
export const migrationsList = [
  { name: 'Migration20261123000001_initial', class: Migration20261123000001_initial },
  { name: 'Migration20261123000002_invitations', class: Migration20261123000002_invitations },
  { name: 'Migration20261123000003_ownership_transfer', class: Migration20261123000003_ownership_transfer },
  { name: 'Migration20261123000004_resources', class: Migration20261123000004_resources },
  { name: 'Migration20261123000005_proven_addresses', class: Migration20261123000005_proven_addresses },
  { name: 'Migration20261123000006_audit_chain', class: Migration20261123000006_audit_chain },
  { name: 'Migration20261124000010_resource_grant_same_org', class: Migration20261124000010_resource_grant_same_org },
  { name: 'Migration20261124000020_a_personal_access_tokens', class: Migration20261124000020_a_personal_access_tokens },
  { name: 'Migration20261124000020_b_service_accounts', class: Migration20261124000020_b_service_accounts },
  { name: 'Migration20261124000020_c_webhooks', class: Migration20261124000020_c_webhooks },
  { name: 'Migration20261124000030_invitation_resource_grants', class: Migration20261124000030_invitation_resource_grants },
  { name: 'Migration20261124000050_live_access', class: Migration20261124000050_live_access },
  { name: 'Migration20261124054000_membership_sort_keys', class: Migration20261124054000_membership_sort_keys },
];
