// What the desktop keeps on disk (cache, settings, session token, log) is readable by this OS user
// only: folders 0700, files 0600, also when an earlier version or a umask left them looser.
// POSIX modes only: on Windows the user's profile folder already keeps other users out, and chmod
// there only toggles read-only.
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const posix = process.platform !== 'win32';

/** Takes group and other access away from one entry; links are left alone (chmod would follow them). */
function tighten(path: string): 'dir' | 'other' | null {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return null; // gone meanwhile
  }
  if (st.isDirectory()) {
    if (st.mode & 0o077) chmodSync(path, PRIVATE_FOLDER_MODE);
    return 'dir';
  }
  if (st.isFile() && st.mode & 0o077) chmodSync(path, st.mode & 0o700);
  return 'other';
}

/**
 * Creates `dir` (and its parents) private, or makes an existing one private; also every file in it,
 * and with `recursive` every folder and file beneath it.
 */
export function makePrivateFolder(dir: string, opts: { recursive?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (!posix) return;
  tighten(dir);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (tighten(path) === 'dir' && opts.recursive) makePrivateFolder(path, opts);
  }
}

/** Creates `file` empty and private when it is missing, or makes it private (before a library writes it with its own mode). */
export function makePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  if (posix) tighten(file);
}
