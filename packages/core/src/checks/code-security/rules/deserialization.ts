import type { CodeRule } from '../../code/rule.js';
import { callee, keyword, positional } from '../../code/ast.js';

const FIX = 'deserialise untrusted data only with data-only formats: JSON (json.loads / JSON.parse), yaml.safe_load, or a schema-checked parser';

/** Loaders that cannot build arbitrary objects. */
const SAFE_LOADER = /(^|\.)(C?SafeLoader|BaseLoader)$/;

export const deserializationRules: CodeRule[] = [
  {
    id: 'py.deser.pickle',
    family: 'deserialization',
    cwe: 'CWE-502',
    severity: 'high',
    message: 'pickle-family load runs code chosen by whoever wrote the bytes',
    fix: FIX,
    languages: ['python'],
    hint: /\b(pickle|dill|cloudpickle|joblib|read_pickle|Unpickler)\b/,
    find: {
      rule: {
        kind: 'call',
        has: { field: 'function', regex: '^((c|_)?[pP]ickle|dill|cloudpickle|joblib)\\.(loads?|Unpickler)$|(^|\\.)read_pickle$' },
      },
    },
    check: (n) => (/^joblib\./.test(callee(n).full) ? { severity: 'medium' } : true),
  },
  {
    id: 'py.deser.yaml-load',
    family: 'deserialization',
    cwe: 'CWE-502',
    severity: 'high',
    message: 'yaml.load without SafeLoader can build arbitrary Python objects',
    fix: 'use yaml.safe_load(f), or yaml.load(f, Loader=yaml.SafeLoader)',
    languages: ['python'],
    hint: /\b(load|load_all|unsafe_load|full_load)\s*\(/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^(yaml\\.(load|load_all|unsafe_load|unsafe_load_all|full_load|full_load_all)|unsafe_load|full_load)$' } } },
    check: (n) => {
      const { name } = callee(n);
      if (name.startsWith('unsafe')) return true;
      // FullLoader refuses most object tags since PyYAML 5.4, but older versions and some tags still construct objects.
      if (name.startsWith('full')) return { severity: 'medium' };
      const loader = keyword(n, 'Loader') ?? positional(n)[1];
      if (loader && SAFE_LOADER.test(loader.text())) return false;
      if (loader && /FullLoader$/.test(loader.text())) return { severity: 'medium' };
      return true;
    },
  },
  {
    id: 'py.deser.marshal-shelve',
    family: 'deserialization',
    cwe: 'CWE-502',
    severity: 'high',
    message: 'marshal/shelve/jsonpickle loads objects (or code) from bytes that may not be trusted',
    fix: FIX,
    languages: ['python'],
    hint: /\b(marshal|shelve|jsonpickle)\./,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^(marshal\\.loads?|shelve\\.open|jsonpickle\\.(decode|loads))$' } } },
    check: (n) => (callee(n).full === 'shelve.open' ? { severity: 'medium' } : true),
  },
  {
    id: 'py.deser.numpy-pickle',
    family: 'deserialization',
    cwe: 'CWE-502',
    severity: 'high',
    message: 'numpy.load with allow_pickle=True unpickles object arrays from the file',
    fix: 'keep allow_pickle=False (the default) and store plain numeric arrays',
    languages: ['python'],
    hint: /allow_pickle\s*=\s*True/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^(np|numpy)\\.load$' } } },
    check: (n) => keyword(n, 'allow_pickle')?.text() === 'True',
  },
  {
    id: 'py.deser.torch-load',
    family: 'deserialization',
    cwe: 'CWE-502',
    severity: 'medium',
    message: 'torch.load without weights_only=True unpickles the file',
    fix: 'torch.load(path, weights_only=True), or safetensors',
    languages: ['python'],
    hint: /torch\.load/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^torch\\.load$' } } },
    check: (n) => keyword(n, 'weights_only')?.text() !== 'True',
  },
  {
    id: 'js.deser.unserialize',
    family: 'deserialization',
    cwe: 'CWE-502',
    severity: 'high',
    message: 'node-serialize style unserialize() revives functions and runs code from the payload',
    fix: 'use JSON.parse and validate the result (e.g. with zod)',
    languages: ['javascript', 'typescript'],
    hint: /unserialize|deepDeserialize|serialize-to-js/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)(unserialize|deepDeserialize|deserialize)$' } } },
    // `deserialize` is a common method name; only serialize-to-js's is code execution.
    check: (n, ctx) => callee(n).name !== 'deserialize' || /['"]serialize-to-js['"]/.test(ctx.text),
  },
];
