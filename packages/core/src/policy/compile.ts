import { checkRegistry, createCheck, type CheckKind, type RegisteredCheck } from '../checks/registry.js';
import type { Check } from '../checks/types.js';
import type { Connector, ConnectorDefinition } from '../connectors/types.js';
import { connectorRegistry } from '../connectors/registry.js';
import { BridleError } from '../errors.js';
import { usdToMicro } from '../util/money.js';
import { compileBudget, Periods, type CompiledBudget } from '../guards/budget/plan.js';
import { compileCelKey, type KeyInput } from '../guards/rate/limits.js';
import { compileRule, type CompiledRule } from '../approvals/rules.js';
import type { Limit } from '../guards/rate/bucket.js';
import type { LoadedPolicy } from './load.js';
import type { GatewayConfig } from './gateway.js';
import type { ActionTypeDocument, AgentDocument, CheckSpec, OnError, OnFail, PolicyDocument } from './schema.js';

export interface CompiledCheck {
  name: string;
  check: Check;
  onFail: OnFail;
  onError: OnError;
  timeoutMs: number;
}

export interface CompiledAction {
  type: string;
  doc: ActionTypeDocument;
  connector: Connector;
  checks: CompiledCheck[];
  estimateMicro: number;
  /** Caps on this action type across agents, when configured. */
  budget: CompiledBudget | null;
  /** Its rate limit across agents, when configured. */
  rate: Limit | null;
  /** The compiled `approval: { when }` rule, if any. */
  approvalRule: CompiledRule | null;
}

export interface CompiledAgent {
  id: string;
  doc: AgentDocument;
  dailyCapMicro: number | null;
  /** Always present: an agent's daily spend is tracked even without a cap. */
  budget: CompiledBudget;
  rate: Limit | null;
}

/** A `guards.rate_limits` entry, its key ready to compute per action. */
export interface CompiledRateRule {
  label: string;
  actions: ReadonlySet<string> | null;
  limit: Omit<Limit, 'key'>;
  key(input: KeyInput): string;
}

/** A policy ready to run: checks instantiated, money converted, lookups by name. Frozen. */
export interface Policy {
  readonly version: string;
  readonly file: string;
  /** The YAML it was loaded from, so operators can read exactly what runs. */
  readonly text: string;
  readonly agents: ReadonlyMap<string, CompiledAgent>;
  readonly actions: ReadonlyMap<string, CompiledAction>;
  readonly defaults: PolicyDocument['defaults'];
  readonly guards: PolicyDocument['guards'];
  readonly budgets: { readonly global: CompiledBudget | null; readonly campaigns: ReadonlyMap<string, CompiledBudget> };
  readonly periods: Periods;
  readonly rateRules: readonly CompiledRateRule[];
  /** The `gateway:` section as validated (the gateway door builds its router from it), or null. */
  readonly gateway: GatewayConfig | null;
  /** How published items' engagement is followed. */
  readonly engagement: PolicyDocument['engagement'];
}

/** Every check kind a policy uses (actions and gateway output checks): what `loadChecks` must load before compiling it. */
export function policyCheckKinds(d: PolicyDocument): Set<CheckKind> {
  const kinds = new Set<CheckKind>();
  for (const a of Object.values(d.actions)) for (const c of a.checks) kinds.add(c.kind);
  for (const c of d.gateway?.output_checks ?? []) kinds.add(c.kind);
  return kinds;
}

/** Instantiates checks from their parsed specs; their kinds must have been loaded (`loadChecks`). */
export function compileChecks(specs: readonly CheckSpec[], defaults: PolicyDocument['defaults']): CompiledCheck[] {
  return specs.map((spec): CompiledCheck => {
    const def: RegisteredCheck = checkRegistry[spec.kind];
    return {
      name: spec.kind,
      check: createCheck(spec.kind, spec.options),
      onFail: spec.onFail,
      // The policy's word wins, then the check kind's own default (a remote judge needs more
      // time than a regex, and a judge that is down should ask a human), then the policy default.
      onError: spec.onError ?? def.defaults?.onError ?? defaults.on_error,
      timeoutMs: spec.timeoutMs ?? def.defaults?.timeoutMs ?? defaults.check_timeout_ms,
    };
  });
}

/**
 * The connectors a policy defines under `connectors:`, on top of the built-in and in-process
 * ones. Kinds that route to other connectors (social) are built last, so they can name any of them.
 */
export function buildConnectors(d: PolicyDocument, base: ReadonlyMap<string, Connector>, env: Readonly<Record<string, string | undefined>>): Map<string, Connector> {
  const all = new Map(base);
  const entries = Object.entries(d.connectors);
  const routing = (kind: string) => kind === 'social';
  for (const [name, spec] of [...entries.filter(([, s]) => !routing(s.kind)), ...entries.filter(([, s]) => routing(s.kind))]) {
    const def = connectorRegistry[spec.kind] as ConnectorDefinition;
    try {
      const c = def.create(spec.options as never, { env, connectors: all });
      // Named as configured (breakers and audit entries say "x-main", not "x"); the instance, class
      // or literal, stays the prototype so its methods keep working.
      all.set(name, c.name === name ? c : (Object.create(c, { name: { value: name, enumerable: true } }) as Connector));
    } catch (e) {
      if (e instanceof BridleError) throw new BridleError(e.code, `connectors.${name}: ${e.message}`, e.details);
      throw e;
    }
  }
  return all;
}

export function compilePolicy(loaded: LoadedPolicy, base: ReadonlyMap<string, Connector>, env: Readonly<Record<string, string | undefined>> = process.env): Policy {
  const d = loaded.document;
  const connectors = buildConnectors(d, base, env);
  const agents = new Map<string, CompiledAgent>();
  for (const [id, doc] of Object.entries(d.agents)) {
    const budget = compileBudget(`agent:${id}`, doc.budget);
    agents.set(id, { id, doc, dailyCapMicro: budget.daily, budget, rate: doc.rate ? { key: `agent:${id}`, ...doc.rate } : null });
  }
  const actions = new Map<string, CompiledAction>();
  for (const [type, doc] of Object.entries(d.actions)) {
    const connector = connectors.get(doc.connector);
    if (!connector) throw new Error(`connector ${doc.connector} missing after validation`);
    const checks = compileChecks(doc.checks, d.defaults);
    actions.set(type, { type, doc, connector, checks, estimateMicro: usdToMicro(doc.estimate_usd), budget: doc.budget ? compileBudget(`action_type:${type}`, doc.budget) : null, rate: doc.rate ? { key: `action_type:${type}`, ...doc.rate } : null, approvalRule: typeof doc.approval === 'object' ? compileRule(doc.approval.when) : null });
  }
  const g = d.guards.budgets;
  const budgets = {
    global: g.global ? compileBudget('global', g.global) : null,
    campaigns: new Map(Object.entries(g.campaigns).map(([name, l]) => [name, compileBudget(`campaign:${name}`, l)])),
  };
  const rateRules = d.guards.rate_limits.map((r, i): CompiledRateRule => {
    const label = r.name ?? `rate_limits[${i}]`;
    const { name: _n, key, actions: only, ...limit } = r;
    let keyOf: (input: KeyInput) => string;
    if (typeof key === 'object') {
      const c = compileCelKey(key.cel);
      if (!c.ok) throw new Error(`${label}: ${c.error} (after validation)`);
      keyOf = c.run;
    } else keyOf = key === 'agent' ? (x) => x.agent.id : key === 'action_type' ? (x) => x.action.type : () => '*';
    return { label, actions: only ? new Set(only) : null, limit, key: (x) => `${label}:${keyOf(x)}` };
  });
  return Object.freeze({ version: loaded.version, file: loaded.file, text: loaded.text, agents, actions, defaults: d.defaults, guards: d.guards, budgets, periods: new Periods(d.guards.timezone), rateRules, gateway: d.gateway ?? null, engagement: d.engagement });
}
