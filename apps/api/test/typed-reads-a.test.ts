/**
 * Issue 10: the reads and row locks of resources, ownership transfers, organization creation and
 * webhooks now come from the typed builder (ShapeCache statements). What the SQL text carried and
 * the builder must keep: each lock's exact mode, the order of read then lock, named statements
 * (prepared once per connection) and no value in any text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedNameOf } from '../src/db/sql.ts';
import { addMember, createOrg, createUser, gid, signIn, startTestServer, statementsOf, type TestServer } from './harness.ts';

let plain: TestServer;
let oec: TestServer;
let spaces: TestServer;
beforeAll(async () => {
  [plain, oec, spaces] = await Promise.all([
    startTestServer({ ORGANIZATION_CREATION: 'signed-in', WEBHOOKS_WORKER: 'false', WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true' }),
    // One owner: ownership moves by transfer.
    startTestServer({ GATEHOUSE_PRESET: 'oec' }),
    startTestServer({ GATEHOUSE_PRESET: 'spaces' }),
  ]);
});
afterAll(async () => Promise.all([plain?.close(), oec?.close(), spaces?.close()]));


/**
 * The builder's reads among `texts` (quoted identifiers; the ORM's own, with aliases "o0"..., and
 * hand-written ones of other modules aside): named, none carrying one of `values`.
 */
function expectNamedReads(texts: string[], values: string[]): void {
  const reads = texts.filter((t) => /^select .* from "/.test(t) && !/ as "[a-z]+\d+"/.test(t) && !/ where [a-z]/.test(t));
  expect(reads.length).toBeGreaterThan(0);
  for (const text of reads) {
    expect(preparedNameOf(text), text).toBeDefined();
    for (const value of values) expect(text).not.toContain(value);
  }
}

const at = (texts: string[], text: string) => {
  const i = texts.indexOf(text);
  expect(i, `${text} in\n${texts.join('\n')}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe('typed reads keep their statements and locks (issue 10)', () => {
  it('R19 a rename reads the resource, locks the org, then locks the resource for update', async () => {
    const admin = await createUser(spaces.orm);
    const org = await createOrg(spaces, 'Typed reads', admin.id);
    const token = (await signIn(spaces, admin.email)).accessToken;
    const created = await spaces.gql(`mutation($o: ID!) { createResource(organizationId: $o, type: "space", name: "Alpha") { ... on Resource { id } } }`, { o: gid('Organization', org.id) }, token);
    const space = created.data.createResource.id as string;
    const texts = await statementsOf(async () => {
      const res = await spaces.gql(`mutation($r: ID!) { renameResource(resourceId: $r, name: "Beta") { __typename ... on Resource { name } } }`, { r: space }, token);
      expect(res.data.renameResource).toEqual({ __typename: 'Resource', name: 'Beta' });
    });
    const read = at(texts, 'select * from "resource" where "id" = $1');
    const lock = at(texts, 'select * from "resource" where "id" = $1 for update');
    const orgLock = texts.findIndex((t, i) => i > read && i < lock && /from "organization"/.test(t));
    expect(orgLock, texts.join('\n')).toBeGreaterThan(read);
    expectNamedReads(texts, [org.id, admin.id]);
  });

  it('R6 accepting a transfer locks its row for update after reading it', async () => {
    const owner = await createUser(oec.orm);
    const org = await createOrg(oec, 'Typed transfer', owner.id);
    const admin = await addMember(oec, org.id, ['admin']);
    const ownerToken = (await signIn(oec, owner.email)).accessToken;
    const adminToken = (await signIn(oec, admin.email)).accessToken;
    const offered = await oec.gql(`mutation($o: ID!, $m: ID!) { requestOwnershipTransfer(organizationId: $o, toMembershipId: $m) { ... on OwnershipTransfer { id } } }`, { o: gid('Organization', org.id), m: admin.gid.membership }, ownerToken);
    const transfer = offered.data.requestOwnershipTransfer.id as string;
    const texts = await statementsOf(async () => {
      const res = await oec.gql(`mutation($t: ID!) { acceptOwnershipTransfer(transferId: $t) { __typename } }`, { t: transfer }, adminToken);
      expect(res.data?.acceptOwnershipTransfer?.__typename ?? JSON.stringify(res)).not.toMatch(/Error/);
    });
    expect(at(texts, 'select * from "ownership_transfer" where "id" = $1 for update')).toBeGreaterThan(at(texts, 'select * from "ownership_transfer" where "id" = $1'));
    expect(texts.some((t) => t.startsWith('select * from "role" where "org_id" = $1 and "key" = any(cast($2 as text[]))'))).toBe(true);
    expectNamedReads(texts, [org.id, owner.id, admin.userId]);
  });

  it('R15 creating an organization locks the active account for update, then counts what it owns', async () => {
    const user = await createUser(plain.orm);
    const token = (await signIn(plain, user.email)).accessToken;
    const texts = await statementsOf(async () => {
      const res = await plain.gql(`mutation { createOrganization(input: { name: "Typed creation" }) { __typename } }`, {}, token);
      expect(res.data.createOrganization.__typename).toBe('Organization');
    });
    const lock = at(texts, `select "id" from "user" where "id" = $1 and "status" = 'ACTIVE' for update`);
    const count = texts.findIndex((t) => t.startsWith('select cast(count(distinct "m"."org_id") as integer) as "n"'));
    expect(count).toBeGreaterThan(lock);
    expect(texts[count]).toContain(`'org:own' = any("r"."permissions")`);
    expectNamedReads(texts, [user.id]);
  });

  it('R24 webhook changes lock the endpoint for update; replay and test events read through named statements', async () => {
    const owner = await createUser(plain.orm);
    const org = await createOrg(plain, 'Typed hooks', owner.id);
    const token = (await signIn(plain, owner.email)).accessToken;
    const made = await plain.gql(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ... on WebhookSecretPayload { endpoint { id } } } }`,
      { input: { organizationId: gid('Organization', org.id), url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] } },
      token,
    );
    const endpoint = made.data.createWebhookEndpoint.endpoint.id as string;
    const texts = await statementsOf(async () => {
      const updated = await plain.gql(`mutation($e: ID!) { updateWebhookEndpoint(input: { endpointId: $e, description: "typed" }) { __typename } }`, { e: endpoint }, token);
      expect(updated.data.updateWebhookEndpoint.__typename).toBe('WebhookEndpoint');
      const sent = await plain.gql(`mutation($e: ID!) { sendTestWebhook(endpointId: $e) { __typename ... on WebhookDelivery { eventType } } }`, { e: endpoint }, token);
      expect(sent.data.sendTestWebhook).toEqual({ __typename: 'WebhookDelivery', eventType: 'webhook.test' });
      const replayed = await plain.gql(`mutation($e: ID!) { replayWebhooks(endpointId: $e, fromSequence: 1) { ... on WebhookReplayPayload { queued nextSequence } } }`, { e: endpoint }, token);
      expect(replayed.data.replayWebhooks.nextSequence).toBeNull();
      expect(replayed.data.replayWebhooks.queued).toBeGreaterThan(0);
    });
    at(texts, 'select *, now() as "db_now" from "webhook_endpoint" where "id" = $1 for update');
    expect(texts.some((t) => /from "webhook_event" where .*"type" = any\(cast\(\$3 as text\[\]\)\) or '\*' = any\(cast\(\$4 as text\[\]\)\).* order by "seq" limit \$5$/.test(t))).toBe(true);
    expectNamedReads(texts, [org.id, owner.id]);
  });
});
