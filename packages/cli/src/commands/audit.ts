import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { BridleError, canonicalJson, exportAudit, trustedKeysFromDataDir, trustedKeysFromPem, verifyChains, verifyStore, type CheckpointRecord, type VerifiableEntry, type VerifyReport } from '@bridle/core';
import { dataDirOf, openCliStore, type CommonOptions } from '../config.js';
import { emit, fail } from '../output.js';

interface VerifyOptions extends CommonOptions {
  file?: string;
  publicKey?: string[];
}

/** Reads an export back: entries in file order, checkpoints newest first. */
async function fromFile(file: string): Promise<{ entries: VerifiableEntry[]; checkpoints: CheckpointRecord[]; partial: boolean }> {
  if (!existsSync(file)) throw new BridleError('BRIDLE_E_NOT_FOUND', `No export file at ${file}`);
  const entries: VerifiableEntry[] = [];
  const checkpoints: CheckpointRecord[] = [];
  let partial = false;
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    let rec: { type?: string; hash?: string; agentId?: string; entry?: Record<string, unknown> } & Partial<CheckpointRecord>;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new BridleError('BRIDLE_E_AUDIT_BROKEN', `${file}:${n}: not valid JSON`);
    }
    if (rec.type === 'header') partial = typeof rec.agentId === 'string';
    else if (rec.type === 'entry' && rec.entry) {
      const e = rec.entry;
      entries.push({ agentId: String(e.agentId), seq: Number(e.seq), id: String(e.id), actionId: (e.actionId as string | null) ?? null, ts: Number(e.ts), kind: String(e.kind), prevHash: String(e.prevHash), hash: String(rec.hash), body: canonicalJson(e) });
    } else if (rec.type === 'checkpoint') {
      checkpoints.push(rec as CheckpointRecord);
    }
  }
  return { entries, checkpoints, partial };
}

export async function auditVerify(o: VerifyOptions): Promise<void> {
  const pems = (o.publicKey ?? []).map((f) => readFileSync(f, 'utf8'));
  if (pems.length === 0) pems.push(...trustedKeysFromDataDir(dataDirOf(o)));
  const trusted = pems.length ? trustedKeysFromPem(pems) : null;
  let report: VerifyReport;
  const t0 = performance.now();
  if (o.file) {
    const { entries, checkpoints, partial } = await fromFile(o.file);
    report = await verifyChains(entries, checkpoints, trusted, { partial });
  } else {
    const store = await openCliStore(o);
    try {
      report = await verifyStore(store, trusted);
    } finally {
      await store.close();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  emit(o.json, { ...report, seconds }, () => {
    const lines = report.ok
      ? [`✔ audit log intact: ${report.entries} entries in ${report.chains} chains, ${report.checkpointsChecked} signed checkpoints checked (${seconds.toFixed(2)} s)`]
      : [`✖ audit log BROKEN at ${report.firstBroken!.agentId} #${report.firstBroken!.seq}${report.firstBroken!.id ? ` (${report.firstBroken!.id})` : ''}: ${report.firstBroken!.reason}`];
    for (const w of report.warnings) lines.push(`  warning: ${w}`);
    return lines.join('\n');
  });
  if (!report.ok) process.exit(2);
}

export async function auditExport(o: CommonOptions & { format?: string; agent?: string; out?: string }): Promise<void> {
  if ((o.format ?? 'jsonl') !== 'jsonl') fail(new BridleError('BRIDLE_E_VALIDATION', `Unknown export format "${o.format}"; the supported format is jsonl`));
  const store = await openCliStore(o);
  const sink = o.out ? createWriteStream(o.out, { mode: 0o600 }) : process.stdout;
  let n = 0;
  try {
    for await (const line of exportAudit(store, { exportedAt: Date.now(), ...(o.agent ? { agentId: o.agent } : {}) })) {
      if (!sink.write(line + '\n')) await once(sink, 'drain');
      n++;
      if (o.out && n % 100_000 === 0) process.stderr.write(`  ${n} lines…\n`);
    }
  } finally {
    await store.close();
  }
  if (o.out) {
    await new Promise<void>((res, rej) => (sink as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? rej(e) : res())));
    process.stderr.write(`Exported ${n - 1} records to ${o.out}\n`);
  }
}
