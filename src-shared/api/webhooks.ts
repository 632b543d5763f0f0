// Webhooks: endpoints that receive the workspace's events (respond.io's names), their delivery log,
// and what the desktop sends to manage them. The events themselves are documented in docs/webhooks.md.
import { z } from 'zod';
import { Id } from '../model';

export const WebhookEventType = z.enum([
  'message.received',
  'message.sent',
  'contact.created',
  'contact.updated',
  'contact.tag.updated',
  'contact.assignee.updated',
  'conversation.opened',
  'conversation.closed',
  'comment.created',
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** The event type of the body "Send test event" delivers. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const WebhookUrl = z
  .string()
  .trim()
  .max(2000, 'the URL is at most 2,000 characters')
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'give an http:// or https:// URL');

export const WebhookEvents = z.array(WebhookEventType).min(1, 'choose at least one event').max(WebhookEventType.options.length);

/** active: events are delivered; paused: by a person, or by the server after 24 hours of failures. */
export const WebhookState = z.enum(['active', 'paused']);

export const WebhookEndpoint = z.object({
  id: Id,
  url: z.string(),
  events: z.array(WebhookEventType),
  state: WebhookState,
  /** Why it is paused: a person paused it, or it kept failing for 24 hours. */
  paused_reason: z.enum(['paused', 'failing']).nullable(),
  /** Since when every delivery has failed (null: the last one succeeded). */
  failing_since: z.number().nullable(),
  created_at: z.number(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** An endpoint with its signing key: answered when it is added and when the key is rotated, never again. */
export const WebhookEndpointWithKey = z.object({ endpoint: WebhookEndpoint, signing_key: z.string().nullable() });

export const WebhookDelivery = z.object({
  event_id: z.string(),
  event_type: z.string(),
  /** pending: waiting for its (next) attempt; delivered: the receiver answered 2xx; failed: given up after 24 hours, or refused. */
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  /** The receiver's last answer (null: none, e.g. it could not be reached). */
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int().nullable(),
  /** Why the last attempt failed, in words. */
  error: z.string().nullable(),
  created_at: z.number(),
  finished_at: z.number().nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
