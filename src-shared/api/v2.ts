// The Developer API (/v2), compatible with respond.io's v2: its routes with their schemas, in its
// conventions (numeric ids, camelCase fields, Unix seconds, `{code: <status>, message}` errors,
// `cursorId` paging). The server validates with these and the OpenAPI document is generated from them.
import { z } from 'zod';
import { COMMENT_MAX_CHARS, ContactFieldInput, CustomFieldType, MESSAGE_MAX_CHARS, TagName } from '../model';
import type { RouteDef } from './routes';

const route = <T extends RouteDef>(def: T): T => def;

/** Every /v2 error: the HTTP status as a number, and what went wrong in words. */
export const V2Error = z.object({ code: z.number().int(), message: z.string() });
export type V2Error = z.infer<typeof V2Error>;

const Num = z.number().int().positive();
/** Seconds since the epoch. */
const Seconds = z.number().int();

/** `id:<number>`, `email:<address>` or `phone:<E.164>`, sent unencoded (a phone without its `+`, as n8n may send it, means the same). */
export const ContactIdentifier = z
  .string()
  .regex(/^(id:[0-9]{1,15}|email:[^\s/]{3,254}|phone:\+?[0-9]{6,15})$/, 'must be id:<number>, email:<address> or phone:<+E.164>');
const ContactParams = z.object({ identifier: ContactIdentifier });

/** `limit` defaults to 10; above 100 it is taken as 100, never refused. */
export const V2ListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .default(10)
    .transform((n) => Math.min(n, 100)),
  cursorId: z.coerce.number().int().positive().optional(),
});

/** A page: `next` (absolute, carrying cursorId) is absent on the last page, so a client following it stops. */
export const V2Page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), pagination: z.object({ next: z.string().optional(), previous: z.string().optional() }) });

const Name = z.string().trim().max(120);
const NullableText = (max: number) => z.string().max(max).nullable().optional();

export const V2Assignee = z.object({ id: Num, firstName: z.string(), lastName: z.string(), email: z.string() });

export const V2Contact = z.object({
  id: Num,
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  language: z.string().nullable(),
  profilePic: z.string().nullable(),
  countryCode: z.string().nullable(),
  status: z.enum(['open', 'close']),
  lifecycle: z.string().nullable(),
  tags: z.array(z.string()),
  assignee: V2Assignee.nullable(),
  custom_fields: z.array(ContactFieldInput),
  created_at: Seconds,
});
export type V2Contact = z.infer<typeof V2Contact>;

/** The fields a contact is created or updated with (unknown fields are ignored, as respond.io's clients send more). */
export const V2ContactInput = z.object({
  firstName: Name.optional(),
  lastName: Name.nullable().optional(),
  phone: z
    .string()
    .regex(/^\+[0-9]{6,15}$/, 'must be a phone number in E.164 (+ and digits)')
    .nullable()
    .optional(),
  email: z.string().trim().toLowerCase().email().max(254).nullable().optional(),
  language: NullableText(20),
  profilePic: NullableText(2000),
  countryCode: NullableText(8),
  /** By slug (or, as some clients send them, by the field's name or /v2 id); null as none. */
  custom_fields: z.array(ContactFieldInput).max(100).nullable().optional(),
});
export type V2ContactInput = z.infer<typeof V2ContactInput>;

export const FilterCategory = z.enum(['contactField', 'contactTag', 'lifecycle']);
export const FilterOperator = z.enum([
  'isEqualTo',
  'isNotEqualTo',
  'exists',
  'doesNotExist',
  'hasAnyOf',
  'hasAllOf',
  'hasNoneOf',
  'isGreaterThan',
  'isLessThan',
  'isTimestampAfter',
  'isTimestampBefore',
  'isTimestampBetween',
  'isBetween',
]);
const FilterScalar = z.union([z.string().max(500), z.number()]);
export const FilterCondition = z.object({
  category: FilterCategory,
  /** Tag and lifecycle conditions name no field (respond.io's SDK sends null). */
  field: z.string().max(60).nullable().optional(),
  operator: FilterOperator,
  value: z
    .union([FilterScalar, z.boolean(), z.array(FilterScalar).max(50), z.object({ from: FilterScalar, to: FilterScalar })])
    .nullable()
    .optional(),
});
export type FilterCondition = z.infer<typeof FilterCondition>;

export const ContactListBody = z.object({
  search: z.string().max(200).optional(),
  /** An IANA time zone (any letter case, e.g. `utc`, `Asia/Kuala_Lumpur`): where a date-only value's day begins. UTC when absent. */
  timezone: z.string().max(60).optional(),
  filter: z.object({ $and: z.array(FilterCondition).max(20).optional(), $or: z.array(FilterCondition).max(20).optional() }).optional(),
});

const TagNameList = z.array(TagName).min(1, 'send 1 to 10 tag names').max(10, 'send 1 to 10 tag names');
/** A bare JSON array of 1-10 tag names (earlier releases of respond.io's MCP server wrap it as {tags: [...]}). */
export const TagNames = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && 'tags' in v ? (v as { tags: unknown }).tags : v),
  TagNameList,
);

export const V2Message = z.object({
  messageId: Num,
  channelMessageId: z.string().nullable(),
  contactId: Num,
  channelId: Num.nullable(),
  traffic: z.enum(['incoming', 'outgoing']),
  message: z.object({ type: z.literal('text'), text: z.string() }),
  status: z.array(z.object({ value: z.string(), timestamp: Seconds, message: z.string().optional() })),
  /** Who sent an outgoing message: a person (`user`, with userId) or an integration (`api`); absent on incoming ones. */
  sender: z.object({ source: z.enum(['user', 'api']), userId: Num.optional() }).optional(),
});

/** `source` as respond.io names a custom channel. */
export const V2Channel = z.object({ id: Num, name: z.string(), source: z.literal('custom_channel'), created_at: Seconds });
/** A contact's channel, with when the contact last wrote or was written to there. */
export const V2ContactChannel = V2Channel.extend({ lastMessageTime: Seconds.optional(), lastIncomingMessageTime: Seconds.optional() });

export const V2SpaceUser = z.object({
  id: Num,
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  role: z.string(),
  team: z.object({ id: Num, name: z.string() }).nullable(),
  restrictions: z.array(z.string()),
});

/** A colour as a name like `tag-blue`, or as hex. */
const ColorCode = z
  .string()
  .trim()
  .regex(/^(|tag-[a-z]{3,12}|#[0-9a-fA-F]{6})$/, 'must be a name like tag-blue or a hex colour like #1d4ed8');
export const V2Tag = z.object({ id: Num, name: z.string(), description: z.string(), colorCode: z.string(), emoji: z.string() });
export const TagInput = z.object({
  name: TagName,
  description: z.string().max(200).optional(),
  colorCode: ColorCode.optional(),
  emoji: z.string().max(16).optional(),
});

export const V2CustomField = z.object({
  id: Num,
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  dataType: CustomFieldType,
  allowedValues: z.object({ listValues: z.array(z.string()) }).optional(),
});
export const CustomFieldInput = z.object({
  name: z.string().trim().min(1).max(60),
  /** "", null or absent: made from the name. */
  slug: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_]{0,60}$/, 'must be letters, digits and _')
    .nullable()
    .optional(),
  description: z.string().max(200).optional(),
  dataType: CustomFieldType,
  /** The options of a list field; an empty array (or null) for other types. */
  allowedValues: z.array(z.string().trim().min(1).max(100)).max(100).nullable().optional(),
});

/** What respond.io's SDK reads from the answers it types as {code, message}, beside our own fields. */
const Done = z.object({ code: z.number().int(), message: z.string() });

const ContactAnswer = z.object({ contactId: Num });
const ContactCreated = ContactAnswer.extend({ code: z.string(), message: z.string() });
const IdParams = z.object({ id: z.coerce.number().int().positive() });

export const v2Routes = {
  v2GetContact: route({ method: 'GET', path: '/v2/contact/:identifier', summary: 'A contact', auth: 'token', params: ContactParams, response: V2Contact }),
  v2CreateContact: route({
    method: 'POST',
    path: '/v2/contact/:identifier',
    summary: 'Create a contact (409 if the identifier is taken)',
    auth: 'token',
    params: ContactParams,
    body: V2ContactInput,
    response: ContactCreated,
  }),
  v2UpdateContact: route({
    method: 'PUT',
    path: '/v2/contact/:identifier',
    summary: 'Update a contact',
    auth: 'token',
    params: ContactParams,
    body: V2ContactInput,
    response: ContactAnswer,
  }),
  v2DeleteContact: route({
    method: 'DELETE',
    path: '/v2/contact/:identifier',
    summary: 'Delete a contact with its conversations',
    auth: 'token',
    params: ContactParams,
    response: ContactAnswer,
  }),
  v2CreateOrUpdateContact: route({
    method: 'POST',
    path: '/v2/contact/create_or_update/:identifier',
    summary: 'Update the contact, or create it when no contact has the identifier',
    auth: 'token',
    params: ContactParams,
    body: V2ContactInput,
    response: ContactAnswer,
  }),
  v2ListContacts: route({
    method: 'POST',
    path: '/v2/contact/list',
    summary: 'Contacts matching a search and a filter ($and / $or of conditions; an empty list means no filter)',
    auth: 'token',
    query: V2ListQuery,
    body: ContactListBody,
    response: V2Page(V2Contact),
  }),
  v2AddTags: route({
    method: 'POST',
    path: '/v2/contact/:identifier/tag',
    summary: 'Tag a contact (unknown tag names are created)',
    auth: 'token',
    params: ContactParams,
    body: TagNames,
    response: ContactAnswer,
  }),
  v2RemoveTags: route({
    method: 'DELETE',
    path: '/v2/contact/:identifier/tag',
    summary: 'Untag a contact (the names in the body)',
    auth: 'token',
    params: ContactParams,
    body: TagNames,
    response: ContactAnswer,
  }),
  v2ContactChannels: route({
    method: 'GET',
    path: '/v2/contact/:identifier/channels',
    summary: 'The channels a contact writes in through',
    auth: 'token',
    params: ContactParams,
    query: V2ListQuery,
    response: V2Page(V2ContactChannel),
  }),
  v2UpdateLifecycle: route({
    method: 'POST',
    path: '/v2/contact/:identifier/lifecycle/update',
    summary: "Set the contact's lifecycle stage by name (null: none)",
    auth: 'token',
    params: ContactParams,
    body: z.object({ name: z.string().trim().max(60).nullable() }),
    response: ContactAnswer.merge(Done),
  }),
  v2SendMessage: route({
    method: 'POST',
    path: '/v2/contact/:identifier/message',
    summary: 'Send a text message to the contact',
    auth: 'token',
    params: ContactParams,
    body: z.object({
      channelId: z.number().int().positive().nullable().optional(),
      message: z.object({ type: z.literal('text'), text: z.string().min(1).max(MESSAGE_MAX_CHARS) }),
    }),
    response: z.object({ contactId: Num, messageId: Num }),
  }),
  v2ListMessages: route({
    method: 'GET',
    path: '/v2/contact/:identifier/message/list',
    summary: "The contact's messages, newest first",
    auth: 'token',
    params: ContactParams,
    query: V2ListQuery,
    response: V2Page(V2Message),
  }),
  v2GetMessage: route({
    method: 'GET',
    path: '/v2/contact/:identifier/message/:messageId',
    summary: 'One message of the contact',
    auth: 'token',
    params: ContactParams.extend({ messageId: z.coerce.number().int().positive() }),
    response: V2Message,
  }),
  v2Assign: route({
    method: 'POST',
    path: '/v2/contact/:identifier/conversation/assignee',
    summary: 'Assign the contact (a user id or email) or unassign it (null)',
    auth: 'token',
    params: ContactParams,
    body: z.object({ assignee: z.union([z.number().int().positive(), z.string().trim().min(1).max(254), z.null()]) }),
    response: ContactAnswer,
  }),
  v2ConversationStatus: route({
    method: 'POST',
    path: '/v2/contact/:identifier/conversation/status',
    summary: 'Open or close the conversation (a closing category and summary when closing; "" when opening)',
    auth: 'token',
    params: ContactParams,
    body: z.object({
      status: z.enum(['open', 'close']),
      category: z.string().max(60).nullable().optional(),
      summary: z.string().max(2000).nullable().optional(),
    }),
    response: ContactAnswer,
  }),
  v2AddComment: route({
    method: 'POST',
    path: '/v2/contact/:identifier/comment',
    summary: 'Add an internal comment; {{@user.ID}} mentions notify those users',
    auth: 'token',
    params: ContactParams,
    body: z.object({ text: z.string().min(1).max(COMMENT_MAX_CHARS) }),
    response: z.object({ contactId: Num, text: z.string(), created_at: Seconds }),
  }),
  v2ListUsers: route({ method: 'GET', path: '/v2/space/user', summary: 'Workspace users', auth: 'token', query: V2ListQuery, response: V2Page(V2SpaceUser) }),
  v2GetUser: route({ method: 'GET', path: '/v2/space/user/:id', summary: 'One workspace user', auth: 'token', params: IdParams, response: V2SpaceUser }),
  v2ClosingNotes: route({
    method: 'GET',
    path: '/v2/space/closing_notes',
    summary: 'The closing categories on offer',
    auth: 'token',
    query: V2ListQuery,
    response: V2Page(z.object({ category: z.string(), description: z.string() })),
  }),
  v2Channels: route({
    method: 'GET',
    path: '/v2/space/channel',
    summary: 'The workspace channels',
    auth: 'token',
    query: V2ListQuery,
    response: V2Page(V2Channel),
  }),
  v2ListTags: route({ method: 'GET', path: '/v2/space/tag', summary: 'The workspace tags', auth: 'token', query: V2ListQuery, response: V2Page(V2Tag) }),
  v2CreateTag: route({ method: 'POST', path: '/v2/space/tag', summary: 'Add a workspace tag', auth: 'token', body: TagInput, response: V2Tag }),
  v2UpdateTag: route({
    method: 'PUT',
    path: '/v2/space/tag',
    summary: 'Edit the tag called currentName (a name absent or "" keeps its name)',
    auth: 'token',
    body: TagInput.extend({ currentName: TagName, name: z.union([TagName, z.literal('')]).optional() }),
    response: V2Tag,
  }),
  v2DeleteTag: route({
    method: 'DELETE',
    path: '/v2/space/tag',
    summary: 'Delete a tag (it leaves every contact)',
    auth: 'token',
    body: z.object({ name: TagName }),
    response: z.object({ name: z.string() }).merge(Done),
  }),
  v2ListCustomFields: route({
    method: 'GET',
    path: '/v2/space/custom_field',
    summary: 'The custom fields contacts carry',
    auth: 'token',
    query: V2ListQuery,
    response: V2Page(V2CustomField),
  }),
  v2CreateCustomField: route({
    method: 'POST',
    path: '/v2/space/custom_field',
    summary: 'Add a custom field',
    auth: 'token',
    body: CustomFieldInput,
    response: V2CustomField,
  }),
  v2GetCustomField: route({
    method: 'GET',
    path: '/v2/space/custom_field/:id',
    summary: 'One custom field',
    auth: 'token',
    params: IdParams,
    response: V2CustomField,
  }),
} as const;

export type V2Routes = typeof v2Routes;
export type V2RouteName = keyof V2Routes;
