/**
 * Alert delivery for runtime guards: `createAlerter` queues alerts durably in the store and
 * delivers them to Slack, email and signed webhooks with retries, dedupe and throttling.
 */
export * from './types.js';
export { alertsConfigSchema, parseAlertsConfig, ALERT_CHANNEL_KINDS, type AlertsConfig, type AlertsConfigInput, type AlertChannelKind, type AlertChannelSpec } from './config.js';
export { resolveAlertChannels, type ResolvedAlertChannel } from './secrets.js';
export { createAlertRouter, type AlertRouter } from './routing.js';
export { createAlerter, type Alerter, type CreateAlerterOptions } from './alerter.js';
export { slackMessage, type SlackBlock, type SlackMessage } from './slack/blocks.js';
export { slackWebhookSender, type SlackWebhookOptions } from './slack/webhook.js';
export { slackApiSender, type SlackApiOptions } from './slack/api.js';
export { emailSender, type EmailOptions } from './email/index.js';
export { webhookSender, webhookBody, type WebhookBody, type WebhookOptions } from './webhook/index.js';
export { verifyWebhookSignature, signWebhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_DELIVERY_HEADER, type WebhookVerification, type WebhookHeaders } from './webhook/signature.js';
