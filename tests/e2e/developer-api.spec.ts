// Settings > Integrations > Developer API, end to end in Chromium: an Owner adds a token in the app,
// the token (shown once) works for real HTTP requests to /v2 (the list shows its last use; the tags and
// lifecycle it sets show in the contact panel, where a person edits them too), and once revoked (after a
// confirmation) it is refused.
import { expect, test } from './support/test';
import { clientId, signIn, type TestServer } from '../support/server';
import { expectAccessible, openFromAllInbox, signedInApp, snap, startDemoServer, type AppUser } from './support/harness';

let server: TestServer;
let owner: AppUser | undefined;

test.beforeAll(async () => {
  server = await startDemoServer();
});

test.afterAll(async () => {
  await owner?.close();
  await server?.stop();
});

test('add a Developer API token, use it for a /v2 request, and revoke it', async ({ browser }) => {
  owner = await signedInApp(browser, server, 'owner@demo.test');
  const page = owner.page;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const card = page.getByRole('region', { name: 'Integrations › Developer API' });
  await expect(card.getByText('No tokens yet.')).toBeVisible();
  await card.getByLabel("New token's name").fill('Zapier');
  await card.getByRole('button', { name: 'Add token' }).click();

  const shown = page.getByRole('dialog', { name: 'Token Zapier was added' });
  await expect(shown).toBeVisible();
  const secret = (await shown.getByTestId('access-token-secret').textContent())!.trim();
  expect(secret).toMatch(/^ism_[A-Za-z0-9_-]{40,}$/);
  await expect(shown.getByRole('button', { name: 'Copy' })).toBeVisible();
  await expectAccessible(page, 'the new-token dialog');
  await shown.getByRole('button', { name: 'Done' }).click();
  const row = card.getByRole('row', { name: /Zapier/ });
  await expect(row).toContainText('Olivia Owner');
  await expect(row).toContainText('Never');

  // A real integration's request with the token.
  const use = () => fetch(`${server.url}/v2/space/user?limit=100`, { headers: { authorization: `Bearer ${secret}` } });
  const ok = await use();
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { items: { email: string }[] }).items.map((u) => u.email)).toContain('owner@demo.test');
  // The list, shown again, says it was used.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Dashboard' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await expect(card.getByRole('row', { name: /Zapier/ })).not.toContainText('Never');

  // What the integration sets on a contact shows in its contact panel.
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post('/v2/contact/create_or_update/email:tagged.lead@example.com', { firstName: 'Tagged', lastName: 'Lead' })).status).toBe(200);
  expect((await post('/v2/contact/email:tagged.lead@example.com/tag', ['VIP'])).status).toBe(200);
  expect((await post('/v2/contact/email:tagged.lead@example.com/lifecycle/update', { name: 'Hot Lead' })).status).toBe(200);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Messages' }).click();
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^All\b/ })
    .click();
  // A contact the API created has no conversation yet: it is listed among the closed ones.
  await page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: 'Closed' }).click();
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill('Tagged Lead');
  await page.getByRole('option', { name: /Tagged Lead/ }).click();
  const panel = page.getByRole('complementary', { name: 'Contact details' });
  if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Show contact details' }).click();
  await expect(panel).toContainText('VIP');
  await expect(panel).toContainText('Hot Lead');
  await expectAccessible(page, 'the contact panel with tags and lifecycle');
  // Edited in the panel too: the integration reads back what the person set.
  await panel.getByLabel('Add a tag').fill('Callback');
  await panel.getByRole('button', { name: 'Add', exact: true }).click();
  await panel.getByRole('button', { name: 'Remove tag VIP' }).click();
  await panel.getByLabel('Lifecycle stage').selectOption('Customer');
  await expect(panel.getByLabel('Lifecycle stage')).toHaveValue('Customer');
  await expect(panel.getByRole('button', { name: 'Remove tag VIP' })).toHaveCount(0);
  await expect(panel).toContainText('Callback');
  const read = await fetch(`${server.url}/v2/contact/email:tagged.lead@example.com`, { headers: { authorization: `Bearer ${secret}` } });
  expect(await read.json()).toMatchObject({ tags: ['Callback'], lifecycle: 'Customer' });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();

  await card.getByRole('button', { name: 'Revoke Zapier' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke Zapier?' });
  await expect(confirm).toContainText('stops working at once');
  await confirm.getByRole('button', { name: 'Revoke token' }).click();
  await expect(card.getByText('No tokens yet.')).toBeVisible();
  const refused = await use();
  expect(refused.status).toBe(401);
  expect(await refused.json()).toMatchObject({ code: 401 });
});

test("edit a contact's custom fields and tags in the contact panel; an integration reads them through /v2", async ({ browser }) => {
  const secret = (await (await signIn(server, 'owner@demo.test')).post('/api/v1/access-tokens', { client_id: clientId(), name: 'CRM' })).body.secret as string;
  const v2 = async (method: string, path: string, body?: unknown): Promise<{ tags: string[]; custom_fields: { name: string; value: unknown }[] }> => {
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(r.status, `${method} ${path}`).toBe(200);
    return (await r.json()) as { tags: string[]; custom_fields: { name: string; value: unknown }[] };
  };
  // The CRM made the fields, and set one value.
  await v2('POST', '/v2/space/custom_field', { name: 'Plan', slug: '', description: '', dataType: 'list', allowedValues: ['free', 'pro'] });
  await v2('POST', '/v2/space/custom_field', { name: 'Order total', slug: '', description: '', dataType: 'number', allowedValues: [] });
  await v2('POST', '/v2/space/custom_field', { name: 'Renewal', slug: '', description: '', dataType: 'date', allowedValues: [] });
  const contact = (await server.store.db.get<{ id: string; name: string; num: number }>(
    "SELECT c.id, c.name, n.num FROM contacts c JOIN api_numbers n ON n.entity = 'contact' AND n.entity_id = c.id WHERE c.id = 'c_00002'",
  ))!;
  await v2('PUT', `/v2/contact/id:${contact.num}`, { custom_fields: [{ name: 'plan', value: 'free' }] });

  const manager = await signedInApp(browser, server, 'manager@demo.test');
  try {
    const page = manager.page;
    await openFromAllInbox(page, contact);
    const panel = page.getByRole('complementary', { name: 'Contact details' });
    if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Show contact details' }).click();
    await expect(panel.getByLabel('Plan')).toHaveValue('free');
    await expect(panel.getByLabel('Order total')).toHaveValue('');
    await expectAccessible(page, 'the contact panel with custom fields');

    await panel.getByLabel('Plan').selectOption('pro');
    await panel.getByLabel('Order total').fill('120.5');
    await panel.getByLabel('Order total').press('Enter');
    await panel.getByLabel('Renewal').fill('2027-01-31');
    await panel.getByLabel('Renewal').press('Enter');
    await panel.getByLabel('Add a tag').fill('Renewal due');
    await panel.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(panel.getByRole('button', { name: 'Remove tag Renewal due' })).toBeVisible();

    // The integration reads what the person set; the panel shows what the server kept.
    await expect
      .poll(async () => v2('GET', `/v2/contact/id:${contact.num}`))
      .toMatchObject({
        tags: ['Renewal due'],
        custom_fields: [
          { name: 'plan', value: 'pro' },
          { name: 'order_total', value: 120.5 },
          { name: 'renewal', value: '2027-01-31' },
        ],
      });
    await expect(panel.getByLabel('Plan')).toHaveValue('pro');
    await expect(panel.getByLabel('Order total')).toHaveValue('120.5');
    await snap(page, 'contact-panel-fields');

    // A custom inbox on the tag and the field value lists the contact, and only contacts matching both.
    await page.getByRole('button', { name: 'New custom inbox' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Pro renewals');
    await dialog.getByLabel('Tag', { exact: true }).fill('renewal due');
    await dialog.getByLabel('Custom field').selectOption({ label: 'Plan' });
    await dialog.getByLabel('Has the value').fill('pro');
    await expectAccessible(page, 'the custom inbox dialog with tag and field filters');
    await snap(page, 'custom-inbox-profile-filters');
    await dialog.getByRole('button', { name: 'Create inbox' }).click();
    await expect(page.getByRole('complementary', { name: 'Inboxes' }).getByRole('button', { name: /^Pro renewals/ })).toHaveAttribute('aria-current', /.+/);
    await page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: 'Open' }).click();
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('');
    await expect(page.locator('[role="option"]')).toHaveCount(1);
    await expect(page.locator('[role="option"]')).toContainText(contact.name);

    // Emptied: the value is gone for the integration too.
    await panel.getByLabel('Order total').fill('');
    await panel.getByLabel('Order total').press('Enter');
    await expect.poll(async () => (await v2('GET', `/v2/contact/id:${contact.num}`)).custom_fields.map((f) => f.name)).toEqual(['plan', 'renewal']);
  } finally {
    await manager.close();
  }
});
