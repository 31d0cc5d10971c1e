import { sql, type Kysely } from 'kysely';

interface Migration {
  up(db: Kysely<unknown>): Promise<void>;
}

/**
 * Migrations are written once with Kysely's schema builder and run unchanged on SQLite and
 * PostgreSQL. `bigint` holds epoch milliseconds and micro-USD on both.
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('actions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('exec_mode', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('params_hash', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('rationale', 'text')
        .addColumn('policy_version', 'text', (c) => c.notNull())
        .addColumn('estimate_micro', 'bigint', (c) => c.notNull())
        .addColumn('reserved_micro', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('budget_day', 'text')
        .addColumn('cost_micro', 'bigint')
        .addColumn('decision', 'text')
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('actions_agent_id').on('actions').columns(['agent_id', 'id']).execute();
      await db.schema.createIndex('actions_status_id').on('actions').columns(['status', 'id']).execute();
      await db.schema.createIndex('actions_idem').on('actions').columns(['agent_id', 'idempotency_key']).unique().execute();

      await db.schema
        .createTable('audit')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('action_id', 'text')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_pk', ['agent_id', 'seq'])
        .execute();
      await db.schema.createIndex('audit_action').on('audit').column('action_id').execute();

      await db.schema
        .createTable('chain_heads')
        .addColumn('agent_id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('checkpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('heads', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('budget_usage')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('spent_micro', 'bigint', (c) => c.notNull())
        .addColumn('reserved_micro', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('budget_usage_pk', ['agent_id', 'day'])
        .execute();
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('action_id', 'text', (c) => c.notNull().unique())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agent_state')
        .addColumn('agent_id', 'text', (c) => c.primaryKey())
        .addColumn('killed', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('actor', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['agent_id', 'key'])
        .execute();
    },
  },
  '0002_alerts': {
    // Alerts are queued durably before any delivery is tried, so a crash or an unreachable
    // channel loses none: they are retried with backoff and end as `dead` (kept) when they give up.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      await db.schema.createIndex('alerts_due').on('alerts').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('alerts_dedupe').on('alerts').columns(['channel', 'dedupe_key', 'created_at']).execute();
    },
  },  '0003_guards': {
    // Kill switches grow scopes (global, action type) and a softer state, `paused`, that guards
    // set themselves; breakers keep their state across restarts. Agent kill switches move over.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kill_switches')
        .addColumn('scope', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('actor', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into kill_switches (scope, state, reason, actor, updated_at)
        select 'agent:' || agent_id, 'killed', reason, actor, updated_at from agent_state where killed = 1`.execute(db);
      await db.schema.dropTable('agent_state').execute();
      await db.schema
        .createTable('breakers')
        .addColumn('scope', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('opened_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },  '0004_budgets': {
    // Budgets grow beyond one per agent and day: a counter is a scope (agent:, action_type:,
    // campaign:, global) and a period (d:YYYY-MM-DD, m:YYYY-MM, life). An action records the
    // counters it reserved on; on Postgres a reservation row lives in the same transaction as the
    // counter update, so one orphaned by a crash can be found and given back.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('budget_usage').renameColumn('agent_id', 'scope').execute();
      await db.schema.alterTable('budget_usage').renameColumn('day', 'period').execute();
      await sql`update budget_usage set scope = 'agent:' || scope, period = 'd:' || period`.execute(db);
      await db.schema.alterTable('actions').renameColumn('budget_day', 'budget_keys').execute();
      await sql`update actions set budget_keys = 'agent:' || agent_id || '|d:' || budget_keys where budget_keys is not null`.execute(db);
      await db.schema.alterTable('actions').addColumn('campaign', 'text').execute();
      await db.schema
        .createTable('budget_reservations')
        .addColumn('action_id', 'text', (c) => c.primaryKey())
        .addColumn('keys', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },  '0005_guard_state': {
    // Learned guard state (the anomaly detector's baselines), saved so a restart does not start cold.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('guard_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },  '0006_rate_state': {
    // Token buckets and day quotas shared by every instance on Postgres, so limits do not
    // multiply with the number of replicas. (The embedded store has one process: it keeps them in memory.)
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_state')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },  '0007_operators': {
    // People who approve and operate: roles, groups for approval chains, API tokens (hashed).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('operators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('password_hash', 'text')
        .addColumn('email', 'text')
        .addColumn('slack_user_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema.createIndex('operators_slack').on('operators').column('slack_user_id').execute();
      await db.schema
        .createTable('operator_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '0008_approvals': {
    // An agent's mode (draft/auto) set at run time overrides the policy's; audited where set.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('agent_modes')
        .addColumn('agent_id', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('reason', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // What each agent has done before, for the `novel` rule: first time this type, or this recipient.
      await db.schema
        .createTable('seen_targets')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('first_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('seen_targets_pk', ['agent_id', 'target'])
        .execute();
    },
  },  '0009_approval_chains': {
    // Multi-step approvals: where each waiting action is in its chain, and every vote cast.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('approval_steps')
        .addColumn('action_id', 'text', (c) => c.primaryKey())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('reminded_at', 'bigint')
        .execute();
      await db.schema
        .createTable('approval_votes')
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('operator', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('params_hash', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        // One vote per person, step and version of the parameters: after an edit, people vote again.
        .addPrimaryKeyConstraint('approval_votes_pk', ['action_id', 'step', 'operator', 'params_hash'])
        .execute();
    },
  },  '0010_callbacks': {
    // An agent may ask to be called back when its action is decided: the URL is part of the
    // action's own record, and each callback is queued before it is sent, so none is lost.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('actions').addColumn('callback_url', 'text').execute();
      await db.schema
        .createTable('callbacks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('status_for', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      await db.schema.createIndex('callbacks_action').on('callbacks').columns(['action_id', 'status_for']).unique().execute();
      await db.schema.createIndex('callbacks_due').on('callbacks').columns(['state', 'next_attempt_at']).execute();
    },
  },
  '0011_dashboard': {
    // Browser sessions for the dashboard (only a hash of the cookie is stored), and the indexes
    // its read models need to stay index seeks at millions of rows: audit filters ordered by
    // time, the overview's time-range scan of actions, the outbox per agent, recent alerts.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('operator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('sessions_operator').on('sessions').column('operator_id').execute();
      await db.schema.createIndex('audit_ts').on('audit').columns(['ts', 'id']).execute();
      await db.schema.createIndex('audit_agent_ts').on('audit').columns(['agent_id', 'ts', 'id']).execute();
      await db.schema.createIndex('audit_kind_ts').on('audit').columns(['kind', 'ts', 'id']).execute();
      await db.schema.createIndex('actions_created').on('actions').columns(['created_at', 'status']).execute();
      await db.schema.createIndex('outbox_agent_id').on('outbox').columns(['agent_id', 'id']).execute();
      await db.schema.createIndex('alerts_created').on('alerts').column('created_at').execute();
    },
  },
  '0012_llm_payloads': {
    // Gateway request and response bodies, kept apart from the audit chain: the chain holds their
    // sha256, so a retention sweep can delete the bodies without breaking it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('llm_payloads')
        .addColumn('action_id', 'text', (c) => c.primaryKey())
        .addColumn('request', 'text')
        .addColumn('response', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('llm_payloads_created').on('llm_payloads').column('created_at').execute();
    },
  },
  '0013_scheduled_actions': {
    // Scheduled publishing: an action decided now that runs at its slot. The index serves the
    // once-a-second sweep for due actions.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('actions').addColumn('not_before', 'bigint').execute();
      await db.schema.createIndex('actions_due').on('actions').columns(['status', 'not_before']).execute();
    },
  },
  '0014_engagement': {
    // The latest engagement per published action (one row each, replaced on every fetch).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('engagement')
        .addColumn('action_id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('platform', 'text')
        .addColumn('campaign', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('fetched_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('actions_finished').on('actions').columns(['status', 'finished_at']).execute();
    },
  },
};

/**
 * Applies pending migrations in one transaction. Hand-rolled rather than Kysely's Migrator,
 * which finds its own tables by introspecting every schema in the database and fails when
 * another schema is dropped meanwhile (seen with parallel test runs sharing one Postgres).
 * An advisory lock makes instances that start together take turns.
 */
export async function migrate(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  await sql`create table if not exists bridle_migrations (name text primary key, applied_at bigint not null)`.execute(db);
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(7263541)`.execute(trx);
    const done = new Set((await sql<{ name: string }>`select name from bridle_migrations`.execute(trx)).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const name of Object.keys(migrations).sort()) {
      if (done.has(name)) continue;
      await migrations[name]!.up(trx);
      await sql`insert into bridle_migrations (name, applied_at) values (${name}, ${Date.now()})`.execute(trx);
      applied.push(name);
    }
    return applied;
  });
}
