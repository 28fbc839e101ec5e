import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes `{ path: text }` into a fresh temporary directory; `cleanup` removes it. */
export async function writeRepo(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'marmite-validate-'));
  for (const [path, text] of Object.entries(files)) {
    const abs = join(dir, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
