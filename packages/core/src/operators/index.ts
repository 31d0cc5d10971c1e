/**
 * Operator accounts: people who read, approve and operate, with roles, groups for approval
 * chains, scrypt passwords and hashed API tokens. The store is the source of truth; the server
 * and the CLI both work through these functions.
 */
export * from './types.js';
export { createOperator, listOperators, getOperator, updateOperator, removeOperator, verifyPassword, findOperatorBySlackUser } from './accounts.js';
export { hashPassword, checkPassword, setScryptParams, type ScryptParams } from './password.js';
export * from './tokens.js';
export { actionSubmitter, assertNotSubmitter } from './submitter.js';
