// The demo workspace (F14): a realistic workspace on an empty database. The same seed gives the
// same workspace (names, texts, assignments, and times relative to the moment it is created).
import { hashPassword } from '../workspace/passwords';
import { avatarColorFor } from '../workspace/users';
import { DEFAULT_CLOSING_CATEGORIES } from '../workspace/setup';
import { DEFAULT_NOTIFICATION_PREFS } from '../../src-shared/model';
import { formatMention } from '../../src-shared/mentions';
import type { Store } from '../workspace/store';
import type { Tx } from '../workspace/tx';
import { DEFAULT_SETTINGS } from '../workspace/settings';
import { excerptOf } from '../workspace/notifications';
import { randomBytes } from 'node:crypto';

export interface DemoOptions {
  seed?: number;
  contacts?: number;
  agents?: number;
  teams?: number;
  /** Extra managers beyond manager@ and manager2@ (the benchmark uses many). */
  extraManagers?: number;
  /** The last this many agents start restricted to "User only" (the benchmark's restricted agents). */
  restrictedAgents?: number;
}

export interface DemoSummary {
  password: string;
  users: { id: string; email: string; name: string; role: string; team: string | null }[];
  channel: { id: string; secret: string };
  contacts: number;
}

export const DEMO_PASSWORD = 'demo-password';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Alice',
  'Bob',
  'Carla',
  'Diego',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Pedro',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Xavi',
  'Yara',
  'Zoe',
];
const LAST = [
  'Novak',
  'Santos',
  'Kim',
  'Müller',
  'Okafor',
  'Rossi',
  'Haddad',
  'Tanaka',
  'Silva',
  'Larsen',
  'Dubois',
  'Chen',
  'Ivanova',
  'Garcia',
  'Nguyen',
  'Kowalski',
  'Ahmed',
  'Brown',
  'Fischer',
  'Moreau',
];
const TEAM_NAMES = ['Sales', 'Support', 'Onboarding', 'Renewals', 'Partners'];
const INCOMING = [
  'Hi, I saw your offer on Instagram. Is it still available?',
  'How much does the premium plan cost per month?',
  'My order has not arrived yet, can you check?',
  'Can I change the delivery address?',
  'Do you ship to Portugal?',
  'I was charged twice this month.',
  'Is there a discount for annual billing?',
  'Thanks! That solved it.',
  'Could someone call me back tomorrow morning?',
  'The app keeps logging me out.',
  'What are your opening hours on Saturday?',
  'I would like to upgrade to the business plan.',
  'Can you send me the invoice again?',
  'Is the blue one in stock in size M?',
  'Hello? Anyone there?',
];
const OUTGOING = [
  'Hi! Thanks for reaching out, happy to help.',
  'Let me check that for you right away.',
  'The premium plan is $29 per month, billed monthly.',
  'I have updated the address on your order.',
  'Yes, we ship to Portugal in 3-5 business days.',
  'I am sorry about that, I have refunded the duplicate charge.',
  'Annual billing gives you two months free.',
  'Great to hear! Anything else I can do?',
  'Sure, I have scheduled a call for 10:00 tomorrow.',
  'Could you tell me which version of the app you use?',
  'Here is the link to your invoice.',
  'It is in stock, shall I reserve one for you?',
];
const COMMENTS = [
  'please send them the latest promotion',
  'this is a high-value lead, follow up today',
  'can you check the refund status?',
  'customer asked for a call back',
  'VIP customer, handle with care',
];
const CATEGORIES = DEFAULT_CLOSING_CATEGORIES;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export async function seedDemoWorkspace(store: Store, opts: DemoOptions = {}): Promise<DemoSummary> {
  const seed = opts.seed ?? 1;
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  let counter = 0;
  const id = (prefix: string) => `${prefix}_${seed.toString(36)}${(counter++).toString(36).padStart(5, '0')}`;
  const contactsN = opts.contacts ?? 500;
  const agentsN = opts.agents ?? 12;
  const teamsN = Math.min(opts.teams ?? 3, TEAM_NAMES.length);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  // Random, unlike the rest of the demo: a secret anyone could work out from the source would let
  // anyone who reaches the server post as any contact (the same seed gives the same workspace, not
  // the same secret).
  const secret = randomBytes(16).toString('hex');

  return store.write(async (tx: Tx) => {
    const now = tx.now;
    const summary: DemoSummary = { password: DEMO_PASSWORD, users: [], channel: { id: 'ch_demo', secret }, contacts: contactsN };
    await tx.run("INSERT INTO meta (key, value) VALUES ('settings', ?)", [JSON.stringify({ ...DEFAULT_SETTINGS, name: 'Acme Demo' })]);
    tx.emit('settings', 'upsert', 'workspace', null, { ...DEFAULT_SETTINGS, name: 'Acme Demo' });
    const teams: string[] = [];
    for (let t = 0; t < teamsN; t++) {
      const tid = `t_${TEAM_NAMES[t].toLowerCase()}`;
      teams.push(tid);
      await tx.run('INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)', [tid, TEAM_NAMES[t], now - 90 * DAY]);
      await tx.emitRow('team', tid);
    }
    const addUser = async (uid: string, email: string, name: string, role: string, team: string | null) => {
      await tx.run(
        `INSERT INTO users (id, email, name, password_hash, role, team_id, status, chosen_status, last_active_at, avatar_color, notify_prefs, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'offline', 'online', ?, ?, ?, ?)`,
        [
          uid,
          email,
          name,
          passwordHash,
          role,
          team,
          now - int(1, 48) * HOUR,
          avatarColorFor(email),
          JSON.stringify(DEFAULT_NOTIFICATION_PREFS),
          now - 90 * DAY,
        ],
      );
      await tx.emitRow('user', uid);
      summary.users.push({ id: uid, email, name, role, team });
    };
    await addUser('u_owner', 'owner@demo.test', 'Olivia Owner', 'owner', null);
    await addUser('u_manager', 'manager@demo.test', 'Marcus Manager', 'manager', teams[0]);
    await addUser('u_manager2', 'manager2@demo.test', 'Mia Manager', 'manager', teams[1 % teamsN]);
    for (let m = 0; m < (opts.extraManagers ?? 0); m++) {
      await addUser(`u_manager${m + 3}`, `manager${m + 3}@demo.test`, `Manager ${m + 3}`, 'manager', teams[m % teamsN]);
    }
    const agents: string[] = [];
    for (let a = 1; a <= agentsN; a++) {
      const name = a <= FIRST.length ? `${FIRST[a - 1]} ${LAST[(a * 7) % LAST.length]}` : `Agent ${a}`;
      const aid = `u_agent${a}`;
      agents.push(aid);
      await addUser(aid, `agent${a}@demo.test`, name, 'agent', teams[(a - 1) % teamsN]);
    }
    // Restricted from the start: their feed never carried the others' contacts, so no removals.
    for (const aid of agents.slice(agents.length - Math.min(agentsN, opts.restrictedAgents ?? 0))) {
      await tx.run("UPDATE users SET contact_visibility = 'user' WHERE id = ?", [aid]);
      await tx.emitRow('user', aid);
    }
    await tx.run('INSERT INTO channels (id, name, secret, created_at) VALUES (?, ?, ?, ?)', [
      'ch_demo',
      'Website chat (custom channel)',
      secret,
      now - 90 * DAY,
    ]);
    tx.emit('channel', 'upsert', 'ch_demo', null, { id: 'ch_demo', name: 'Website chat (custom channel)', kind: 'custom' });
    const categories: string[] = [];
    for (let i = 0; i < CATEGORIES.length; i++) {
      const cid = `cc_${i + 1}`;
      categories.push(cid);
      await tx.run('INSERT INTO closing_categories (id, name, position) VALUES (?, ?, ?)', [cid, CATEGORIES[i], i]);
      await tx.emitRow('closing_category', cid);
    }
    const supervisors = ['u_owner', 'u_manager', 'u_manager2'];

    for (let i = 0; i < contactsN; i++) {
      const cid = `c_${String(i + 1).padStart(5, '0')}`;
      const name = `${pick(FIRST)} ${pick(LAST)}`;
      // Every agent gets contacts; about one in seven is unassigned.
      const assignee = i < agents.length ? agents[i] : rnd() < 0.15 ? null : pick(agents);
      const createdAt = now - int(2, 60) * DAY - int(0, 23) * HOUR;
      const conversationsN = int(1, 3);
      const lastOpen = i < 8 || rnd() < 0.4;
      await tx.run(
        `INSERT INTO contacts (id, name, phone, email, channel_id, external_id, assignee_id, status, last_activity_at, created_at)
         VALUES (?, ?, ?, ?, 'ch_demo', ?, ?, 'closed', ?, ?)`,
        [
          cid,
          name,
          `+1555${String(1000000 + i).slice(1)}`,
          rnd() < 0.5 ? `${name.split(' ')[0].toLowerCase()}${i}@example.com` : null,
          `ext-${i + 1}`,
          assignee,
          createdAt,
          createdAt,
        ],
      );
      let t = createdAt;
      let lastText = '';
      let lastDir = 'incoming';
      let conversationId = '';
      for (let k = 0; k < conversationsN; k++) {
        const isLast = k === conversationsN - 1;
        const open = isLast && lastOpen;
        // The open ones: some just now, some open for many hours (the Dashboard's "open too long").
        // Closed ones end at least half a day ago, so no history lies in the future.
        const openedAt = open
          ? now - (i < 8 ? (i + 1) * 3 * HOUR + int(0, 50) * MIN : int(5, 20 * 60) * MIN)
          : Math.min(t + int(1, 5) * DAY, now - 12 * HOUR - (conversationsN - k) * HOUR);
        t = Math.max(openedAt, t);
        conversationId = id('cv');
        await tx.run("INSERT INTO conversations (id, contact_id, status, opened_at) VALUES (?, ?, 'open', ?)", [conversationId, cid, openedAt]);
        const evOpen = id('e');
        await tx.run("INSERT INTO events (id, contact_id, conversation_id, kind, created_at) VALUES (?, ?, ?, 'opened', ?)", [
          evOpen,
          cid,
          conversationId,
          openedAt,
        ]);
        await tx.emitRow('event', evOpen);
        if (assignee && k === 0) {
          const ev = id('e');
          await tx.run("INSERT INTO events (id, contact_id, conversation_id, kind, actor_id, assignee_id, created_at) VALUES (?, ?, ?, 'assigned', ?, ?, ?)", [
            ev,
            cid,
            conversationId,
            pick(supervisors),
            assignee,
            openedAt + MIN,
          ]);
          await tx.emitRow('event', ev);
        }
        const messagesN = int(2, 10);
        let firstResponse: number | null = null;
        let at = openedAt;
        for (let j = 0; j < messagesN; j++) {
          const incoming = j % 2 === 0 || (open && j === messagesN - 1);
          // Open conversations end on an unanswered message from the contact, and stay within the open window.
          at = open ? openedAt + Math.floor(((now - openedAt) * (j + 1)) / (messagesN + 1)) : at + int(1, 40) * MIN;
          const mid = id('m');
          const author = incoming ? null : (assignee ?? pick(agents));
          const text = incoming ? pick(INCOMING) : pick(OUTGOING);
          if (!incoming && firstResponse === null) firstResponse = at;
          await tx.run(
            `INSERT INTO messages (id, contact_id, conversation_id, direction, text, status, author_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            [mid, cid, conversationId, incoming ? 'incoming' : 'outgoing', text, incoming ? 'delivered' : 'read', author, at],
          );
          await tx.emitRow('message', mid);
          lastText = text;
          lastDir = incoming ? 'incoming' : 'outgoing';
        }
        if (firstResponse !== null) {
          await tx.run('UPDATE conversations SET first_response_at = ?, first_responder_id = ? WHERE id = ?', [
            firstResponse,
            assignee ?? agents[0],
            conversationId,
          ]);
        }
        if (rnd() < 0.12 && assignee) {
          const kid = id('k');
          const by = pick(supervisors);
          const text = `${formatMention(assignee)} ${pick(COMMENTS)}`;
          await tx.run('INSERT INTO comments (id, contact_id, conversation_id, author_id, text, mentions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
            kid,
            cid,
            conversationId,
            by,
            text,
            JSON.stringify([assignee]),
            at + MIN,
          ]);
          await tx.emitRow('comment', kid);
        }
        if (!open) {
          const closedAt = at + int(5, 120) * MIN;
          const category = pick(categories);
          const summaryText = 'Customer question answered.';
          await tx.run("UPDATE conversations SET status = 'closed', closed_at = ?, closed_by = ?, closing_category_id = ?, closing_summary = ? WHERE id = ?", [
            closedAt,
            assignee ?? pick(supervisors),
            category,
            summaryText,
            conversationId,
          ]);
          const ev = id('e');
          await tx.run(
            "INSERT INTO events (id, contact_id, conversation_id, kind, actor_id, closing_category_id, closing_summary, created_at) VALUES (?, ?, ?, 'closed', ?, ?, ?, ?)",
            [ev, cid, conversationId, assignee ?? pick(supervisors), category, summaryText, closedAt],
          );
          await tx.emitRow('event', ev);
          t = closedAt;
        } else t = at;
        await tx.emitRow('conversation', conversationId);
      }
      await tx.run('UPDATE contacts SET status = ?, conversation_id = ?, last_activity_at = ?, last_message = ?, last_message_direction = ? WHERE id = ?', [
        lastOpen ? 'open' : 'closed',
        conversationId,
        Math.min(t, now),
        excerptOf(lastText),
        lastDir,
        cid,
      ]);
      await tx.emitRow('contact', cid);
    }
    return summary;
  });
}

/**
 * The demo workspace a database already holds (a second `npm start`): its users and channel, to
 * print them again; null when the database holds a real workspace.
 */
export async function existingDemoWorkspace(store: Store): Promise<DemoSummary | null> {
  const channel = await store.db.get<{ id: string; secret: string }>("SELECT id, secret FROM channels WHERE id = 'ch_demo'");
  if (!channel) return null;
  const users = await store.db.all<{ id: string; email: string; name: string; role: string; team: string | null }>(
    // As the seed lists them: owner, managers, then agents in their numbered order.
    `SELECT id, email, name, role, team_id AS team FROM users WHERE email LIKE '%@demo.test' AND deactivated = 0
     ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'manager' THEN 1 ELSE 2 END, length(email), email`,
  );
  const contacts = await store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM contacts');
  return { password: DEMO_PASSWORD, users, channel, contacts: Number(contacts?.n ?? 0) };
}
