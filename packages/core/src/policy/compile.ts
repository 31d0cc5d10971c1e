import { checkRegistry } from '../checks/registry.js';
import type { Check } from '../checks/types.js';
import type { Connector } from '../connectors/types.js';
import { usdToMicro } from '../util/money.js';
import type { LoadedPolicy } from './load.js';
import type { ActionTypeDocument, AgentDocument, OnError, OnFail, PolicyDocument } from './schema.js';

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
}

export interface CompiledAgent {
  id: string;
  doc: AgentDocument;
  dailyCapMicro: number | null;
}

/** A policy ready to run: checks instantiated, money converted, lookups by name. Frozen. */
export interface Policy {
  readonly version: string;
  readonly file: string;
  readonly agents: ReadonlyMap<string, CompiledAgent>;
  readonly actions: ReadonlyMap<string, CompiledAction>;
  readonly defaults: PolicyDocument['defaults'];
  readonly guards: PolicyDocument['guards'];
}

export function compilePolicy(loaded: LoadedPolicy, connectors: ReadonlyMap<string, Connector>): Policy {
  const d = loaded.document;
  const agents = new Map<string, CompiledAgent>();
  for (const [id, doc] of Object.entries(d.agents)) {
    agents.set(id, { id, doc, dailyCapMicro: doc.budget ? usdToMicro(doc.budget.daily_usd) : null });
  }
  const actions = new Map<string, CompiledAction>();
  for (const [type, doc] of Object.entries(d.actions)) {
    const connector = connectors.get(doc.connector);
    if (!connector) throw new Error(`connector ${doc.connector} missing after validation`);
    const checks = doc.checks.map((spec): CompiledCheck => {
      const def = checkRegistry[spec.kind];
      return {
        name: spec.kind,
        check: def.create(spec.options as never),
        onFail: spec.onFail,
        // The policy's word wins, then the check kind's own default (a remote judge needs more
        // time than a regex, and a judge that is down should ask a human), then the policy default.
        onError: spec.onError ?? def.defaults?.onError ?? d.defaults.on_error,
        timeoutMs: spec.timeoutMs ?? def.defaults?.timeoutMs ?? d.defaults.check_timeout_ms,
      };
    });
    actions.set(type, { type, doc, connector, checks, estimateMicro: usdToMicro(doc.estimate_usd) });
  }
  return Object.freeze({ version: loaded.version, file: loaded.file, agents, actions, defaults: d.defaults, guards: d.guards });
}
