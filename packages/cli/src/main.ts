import { Command, Option } from 'commander';
import { loadPolicy, policyPathOf } from './config.js';
import { auditExport, auditVerify } from './commands/audit.js';
import { keysCreate, keysList, keysRevoke } from './commands/keys.js';
import { actionsList, actionsUndo, agentsMode, agentsSwitch, approvalsDecide, approvalsList, scopeSwitch } from './commands/operate.js';
import { policyCheck } from './commands/policy.js';
import { scan } from './commands/scan.js';
import { usersAdd, usersList, usersRemove, usersToken } from './commands/users.js';
import { runDemo } from './demo.js';
import { fail } from './output.js';
import { startServer, stopOnSignals, watchPolicy } from './serve.js';

type Action = (...args: never[]) => Promise<void> | void;

/** Wraps a command so any failure prints one line with its code, never a stack trace. */
function run(fn: Action): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as { json?: boolean };
    try {
      await (fn as (...a: unknown[]) => Promise<void>)(...args.slice(0, -2), opts);
    } catch (e) {
      fail(e, opts.json);
    }
  };
}

export function program(): Command {
  const p = new Command('bridle')
    .description('Bridle: the door every autonomous agent action goes through.')
    .version('0.1.0')
    .addOption(new Option('--data-dir <dir>', 'data directory (embedded store, keys, admin token)').env('BRIDLE_DATA_DIR'))
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(run with --help for usage)');

  p.command('start')
    .description('start the server on the embedded store (or Postgres when BRIDLE_DATABASE_URL is set)')
    .option('--policy <file>', 'policy file (default: $BRIDLE_POLICY or ./bridle.yaml)')
    // No commander defaults: the server falls back to BRIDLE_PORT / BRIDLE_HOST, then 8787 / 127.0.0.1.
    .option('--port <port>', 'port (default: $BRIDLE_PORT or 8787)')
    .option('--host <host>', 'address to listen on (default: $BRIDLE_HOST or 127.0.0.1)')
    .action(
      run(async (o: { policy?: string; port?: string; host?: string; dataDir?: string }) => {
        const file = policyPathOf(o);
        const policy = loadPolicy(file);
        const r = await startServer(o, policy);
        stopOnSignals(r);
        watchPolicy(r, file, (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
        process.stdout.write(`Bridle listening on ${r.url}\n  policy   ${policy.file} (${policy.version})\n  store    ${r.store.dialect}${r.store.dialect === 'sqlite' ? ` in ${r.store.dataDir}` : ''}\n  admin    token in ${r.store.dataDir}/admin-token (or BRIDLE_ADMIN_TOKEN)\n  api      ${r.url}/openapi.json\n`);
      }),
    );

  p.command('demo')
    .description('start a fresh demo server with a demo agent that submits a realistic stream of posts')
    // No commander defaults: the server falls back to BRIDLE_PORT / BRIDLE_HOST, then 8787 / 127.0.0.1.
    .option('--port <port>', 'port (default: $BRIDLE_PORT or 8787)')
    .option('--host <host>', 'address to listen on (default: $BRIDLE_HOST or 127.0.0.1)')
    .option('--no-agent', 'start the demo server without the demo agent')
    .option('--keep', 'keep the demo data from the previous run')
    .action(run(async (o: Parameters<typeof runDemo>[0]) => runDemo(o)));

  const keys = p.command('keys').description('agent API keys (stored hashed, shown once)');
  keys.command('create').description('create a key for an agent').requiredOption('--agent <name>', 'agent, as named in the policy').option('--label <text>', 'a note to recognise it by').option('--policy <file>', 'policy file').action(run(keysCreate as Action));
  keys.command('list').description('list keys').option('--agent <name>', 'only this agent').action(run(keysList as Action));
  keys.command('revoke').description('revoke a key by id or prefix').argument('<id>', 'key id or prefix').option('--policy <file>', 'policy file').action(run(keysRevoke as Action));

  const users = p.command('users').description('operator accounts: viewer, approver, admin (passwords hashed, tokens shown once)');
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  users
    .command('add')
    .description('add an operator')
    .argument('<name>')
    .requiredOption('--role <role>', 'viewer (reads), approver (also approves) or admin (everything)')
    .option('--group <name>', 'a group for approval chains, e.g. finance (repeatable)', collect)
    .option('--password-stdin', 'read a password (12+ characters) from standard input')
    .option('--slack-user <id>', 'their Slack user id, e.g. U0123ABCD')
    .option('--email <address>')
    .option('--policy <file>', 'policy file')
    .action(run(usersAdd as Action));
  users.command('list').description('list operators').option('--all', 'include removed ones').action(run(usersList as Action));
  users.command('remove').description('remove an operator and revoke their tokens').argument('<name>').option('--policy <file>', 'policy file').action(run(usersRemove as Action));
  users.command('token').description('create an API token for an operator (printed once)').argument('<name>').option('--label <text>', 'a note to recognise it by').option('--policy <file>', 'policy file').action(run(usersToken as Action));

  const policy = p.command('policy').description('policy files');
  policy.command('check').description('validate a policy file; prints every problem with file:line:column').argument('<file>').action(run(((file: string, o: { json?: boolean }) => policyCheck(file, o)) as Action));

  const audit = p.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every hash, link and signed checkpoint; names the first broken entry (exit 2)')
    .option('--file <export.jsonl>', 'verify an exported file instead of the store')
    .option('--public-key <pem...>', 'trusted signing key(s) (default: the data directory’s)')
    .action(run(auditVerify as Action));
  audit.command('export').description('export entries and checkpoints').option('--format <format>', 'jsonl', 'jsonl').option('--agent <name>', 'only this agent’s chain').option('--out <file>', 'write to a file instead of stdout').action(run(auditExport as Action));

  p.command('scan')
    .description('run detectors over JSON Lines {id, text|code, lang}; writes {id, flagged, category, score, findings}')
    .option('--check <name...>', 'check(s) to run (default: every check that needs no options)')
    .option('--options <json>', 'options per check, e.g. \'{"banned_phrases":{"list":["risk-free"]}}\'')
    .option('--in <file>', 'read this file instead of standard input')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(run(scan as Action));

  const actions = p.command('actions').description('actions');
  actions.command('list').description('newest first').option('--agent <name>').option('--status <status>').option('--limit <n>', 'at most this many', '50').action(run(actionsList as Action));
  actions
    .command('undo')
    .description('reverse a succeeded action through its connector (e.g. delete the post)')
    .argument('<id>')
    .option('--reason <text>')
    .option('--url <url>', 'server URL (default $BRIDLE_URL or http://127.0.0.1:8787)')
    .option('--policy <file>', 'policy file, when no server is running')
    .action(run(((id: string, o: object) => actionsUndo(id, o)) as Action));

  const approvals = p.command('approvals').description('human approval');
  approvals.command('list').description('actions waiting for a human').option('--limit <n>', 'at most this many', '50').action(run(approvalsList as Action));
  for (const verb of ['approve', 'reject'] as const) {
    approvals
      .command(verb)
      .description(verb === 'approve' ? 'approve an action (the server runs it, exactly once)' : 'reject an action')
      .argument('<id>')
      .option('--reason <text>')

      .option('--url <url>', 'server URL (default $BRIDLE_URL or http://127.0.0.1:8787)')
      .option('--policy <file>', 'policy file, when no server is running')
      .action(run(((id: string, o: object) => approvalsDecide(verb, id, o)) as Action));
  }
  approvals.commands.find((c) => c.name() === 'approve')?.option('--params <json>', 'approve an edit of the parameters; every check runs on it again first');

  const agents = p.command('agents').description('agents');
  for (const verb of ['kill', 'resume'] as const) {
    agents
      .command(verb)
      .description(verb === 'kill' ? 'stop an agent: block all its new actions' : 'lift an agent’s kill switch')
      .argument('<agent>')
      .option('--reason <text>')
      .option('--url <url>', 'server URL')
      .option('--policy <file>', 'policy file, when no server is running')
      .action(run(((agent: string, o: object) => agentsSwitch(verb, agent, o)) as Action));
  }
  agents
    .command('mode')
    .description('switch an agent to draft (a human approves every action) or auto (only where rules say), at once')
    .argument('<agent>')
    .argument('<mode>', 'draft or auto')
    .option('--reason <text>')
    .option('--url <url>', 'server URL')
    .option('--policy <file>', 'policy file, when no server is running')
    .action(run(((agent: string, mode: string, o: object) => agentsMode(agent, mode, o)) as Action));
  for (const verb of ['kill', 'resume'] as const) {
    p.command(verb)
      .description(verb === 'kill' ? 'pull a kill switch: everything (--global), one agent or one action type; cancels pending approvals in scope' : 'lift a kill switch or a guard’s pause')
      .option('--global', 'every agent and action type')
      .option('--agent <id>', 'one agent')
      .option('--type <action-type>', 'one action type, for every agent')
      .option('--reason <text>')
      .option('--url <url>', 'server URL')
      .option('--policy <file>', 'policy file, when no server is running')
      .action(run(((o: object) => scopeSwitch(verb, o)) as Action));
  }
  return p;
}
