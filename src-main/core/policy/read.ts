// Reads the machine policy file (policy.ts says what is in it). Never throws: a missing file is
// no policy; an unreadable or malformed file is logged and ignored; a refused key is logged with
// its reason and the other keys still apply.
import { readFileSync } from 'node:fs';
import { EMPTY_POLICY, parsePolicyText, type MachinePolicy } from './policy';

export interface LoadedPolicy {
  policy: MachinePolicy;
  /** The file the policy came from, or null when there was none (or it could not be used). */
  file: string | null;
  problems: string[];
}

/** Larger than any real policy: a huge file is refused rather than read. */
const MAX_BYTES = 256 * 1024;

export function readPolicyFile(file: string, log: (msg: string) => void = () => {}): LoadedPolicy {
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_BYTES) {
      const problem = `larger than ${MAX_BYTES} bytes: the whole file is ignored`;
      log(`policy ${file}: ${problem}`);
      return { policy: EMPTY_POLICY, file: null, problems: [problem] };
    }
    text = buf.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { policy: EMPTY_POLICY, file: null, problems: [] };
    const problem = `cannot be read (${code ?? (err as Error).message}): the whole file is ignored`;
    log(`policy ${file}: ${problem}`);
    return { policy: EMPTY_POLICY, file: null, problems: [problem] };
  }
  const { policy, problems } = parsePolicyText(text);
  for (const p of problems) log(`policy ${file}: ${p}`);
  const ignoredWhole = problems.some((p) => p.includes('whole file') || p.startsWith('the policy must be'));
  return { policy, file: ignoredWhole ? null : file, problems };
}
