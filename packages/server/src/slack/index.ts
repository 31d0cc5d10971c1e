export { verifySlackSignature, signSlackRequest, type SignatureResult, type VerifyInput } from './signature.js';
export { approvalMessage, editModal, escapeMrkdwn } from './blocks.js';
export { createSlackClient, type SlackClient, type SlackClientOptions } from './client.js';
export { createMessageUpdater, type MessageUpdater, type MessageUpdaterOptions } from './updater.js';
export { createSlackInteractions, type SlackInteractions, type SlackInteractionsOptions } from './interactions.js';
export { createSlackNotifier, type SlackNotifier } from './notifier.js';
export type { ApprovalCheck, ApprovalView, MessageRef, SlackApprovalHandler, SlackMessage } from './types.js';
export { approvalViewOf, connectSlack, slackConfigFromEnv, type SlackConfig } from './bridge.js';
