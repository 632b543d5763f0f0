// Mentions stand for the teammate picked, not for a name: two users called the same are two people.
// An Owner adds two "Sam Lee"s, mentions the second one (the draft kept across a reload), then both
// in one comment; each comment's mentions and each Sam's Notification Center say whom it reached.
import { randomUUID } from 'node:crypto';
import { ApiClient, clientId, signIn, type TestServer } from '../support/server';
import { coreQuery, eventually, openFromAllInbox, signedInApp, startDemoServer, type AppUser } from './support/harness';
import { expect, test } from './support/test';

const NAME = 'Sam Lee';
const OWN_PASSWORD = 'a-long-own-password-9';

let server: TestServer;
let ownerApi: ApiClient;
let owner: AppUser | undefined;
const sams: { id: string; email: string; api: ApiClient }[] = [];
let contact: { id: string; name: string };

/** Adds a user as the Owner, who then signs in and chooses their own password (as a new user must first). */
async function addSam(email: string) {
  const added = await ownerApi.post('/api/v1/users', { client_id: clientId(), email, name: NAME, role: 'agent' });
  expect(added.status).toBe(201);
  const api = await signIn(server, email, added.body.one_time_password);
  expect((await api.put('/api/v1/me/password', { current_password: added.body.one_time_password, new_password: OWN_PASSWORD })).status).toBe(200);
  sams.push({ id: added.body.user.id, email, api: await signIn(server, email, OWN_PASSWORD) });
}

/** The comment mentions in this Sam's Notification Center, as comment ids. */
async function mentionsOf(sam: (typeof sams)[number]): Promise<string[]> {
  const r = await sam.api.get('/api/v1/notifications?tab=all');
  expect(r.status).toBe(200);
  return (r.body.items as { kind: string; comment_id: string | null }[]).filter((n) => n.kind === 'comment_mention').map((n) => n.comment_id!);
}

test.beforeAll(async () => {
  server = await startDemoServer();
  ownerApi = await signIn(server, 'owner@demo.test');
  const tag = randomUUID().slice(0, 6);
  await addSam(`sam.lee.${tag}@demo.test`);
  await addSam(`sam.lee.${tag}.2@demo.test`);
  const contacts = (await ownerApi.get('/api/v1/contacts?limit=200')).body.items as { id: string; name: string; status: string }[];
  contact = contacts.find((c) => c.status === 'open' && contacts.filter((x) => x.name === c.name).length === 1)!;
});

test.afterAll(async () => {
  await owner?.close();
  await server?.stop();
});

test('two teammates with the same name: the comment reaches the one picked, and both when both are picked', async ({ browser }) => {
  const [first, second] = sams;
  owner = await signedInApp(browser, server, 'owner@demo.test');
  const { page } = owner;
  await openFromAllInbox(page, contact);
  await page.getByRole('tab', { name: 'Comment' }).click();
  const box = page.getByRole('textbox', { name: 'Comment for your team' });
  const picker = page.getByRole('listbox', { name: 'Mention a teammate' });
  /** Types "@sam" and picks the Sam Lee with this email: the picker tells the two apart by email. */
  const mention = async (sam: (typeof sams)[number]) => {
    await box.pressSequentially('@sam');
    await expect(picker.getByRole('option', { name: new RegExp(NAME) })).toHaveCount(2);
    await picker.getByRole('option', { name: new RegExp(sam.email.replace(/\./g, '\\.')) }).click();
  };

  // The second Sam only; the draft is kept across a reload with whom its mention stands for.
  await mention(second);
  await box.pressSequentially('please call them back');
  await expect(box).toHaveValue(`@${NAME} please call them back`);
  // Saved in the cache a moment after typing, with whom the mention stands for.
  await eventually(
    async () => (await coreQuery(owner!, 'drafts', {})).some((d) => d.contact_id === contact.id && d.mentions.map((m) => m.id).join() === second.id),
    15_000,
    'the draft saved with its mention',
  );
  await page.reload();
  await expect(page.locator('#thread-title')).toHaveText(contact.name, { timeout: 15_000 });
  await expect(box).toHaveValue(`@${NAME} please call them back`);
  await box.press('Enter');
  await expect(box).toHaveValue('');

  // The newest comment on the server (none until the app's outbox has delivered it).
  const latest = async () =>
    (await ownerApi.get(`/api/v1/contacts/${contact.id}/comments?limit=1`)).body.items[0] as { id: string; text: string; mentions: string[] } | undefined;
  await expect.poll(async () => (await latest())?.text).toBe(`{{@user.${second.id}}} please call them back`);
  const toSecond = (await latest())!;
  expect(toSecond.mentions).toEqual([second.id]);
  expect(await mentionsOf(second)).toEqual([toSecond.id]);
  expect(await mentionsOf(first)).toEqual([]);

  // Both in one comment: each mention stays the Sam picked for it.
  await mention(first);
  await box.pressSequentially('hands this over to ');
  await mention(second);
  await expect(box).toHaveValue(`@${NAME} hands this over to @${NAME} `);
  await box.press('Enter');
  await expect.poll(async () => (await latest())?.text).toBe(`{{@user.${first.id}}} hands this over to {{@user.${second.id}}} `);
  const toBoth = (await latest())!;
  expect(toBoth.mentions).toEqual([first.id, second.id]);
  expect(await mentionsOf(first)).toEqual([toBoth.id]);
  expect((await mentionsOf(second)).sort()).toEqual([toSecond.id, toBoth.id].sort());
});
