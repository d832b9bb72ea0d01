import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAccessError } from '../errors';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { ConfinedFolder } from './confined-folder';
import { handlerOf, testNodeContext } from '../testing';

describe('file nodes confined to the allowed folder', () => {
  let base: string;
  let root: string;
  let outside: string;
  let handlers: NodeHandlerTable;
  const run = (type: string, params: Record<string, unknown>) =>
    handlerOf(handlers, type).execute(params, testNodeContext());

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'aether-files-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'top secret');
    handlers = createNodeHandlers({ filesRoot: root, desktop: false });
  });
  afterEach(async () => {
    await handlers.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('writes (creating folders), reads and moves files', async () => {
    await expect(run('file.write', { path: 'a/b/note.txt', content: 'héllo' })).resolves.toEqual({
      path: 'a/b/note.txt',
      size: 6,
    });
    await expect(run('file.read', { path: 'a/b/note.txt' })).resolves.toEqual({ content: 'héllo', size: 6 });
    await expect(run('file.read', { path: 'a/b/note.txt', encoding: 'base64' })).resolves.toMatchObject({
      content: Buffer.from('héllo').toString('base64'),
    });
    await expect(run('file.move', { from: 'a/b/note.txt', to: 'done/note.txt' })).resolves.toEqual({
      path: 'done/note.txt',
      alreadyMoved: false,
    });
    expect(readFileSync(join(root, 'done/note.txt'), 'utf8')).toBe('héllo');
    expect(existsSync(join(root, 'a/b/note.txt'))).toBe(false);
  });

  it('treats a repeated move whose source is gone and target present as done', async () => {
    writeFileSync(join(root, 'in.txt'), 'x');
    await run('file.move', { from: 'in.txt', to: 'out.txt' });
    await expect(run('file.move', { from: 'in.txt', to: 'out.txt' })).resolves.toEqual({
      path: 'out.txt',
      alreadyMoved: true,
    });
    await expect(run('file.move', { from: 'nope.txt', to: 'other.txt' })).rejects.toBeInstanceOf(
      FileAccessError,
    );
  });

  it.each([
    ['a parent escape', '../outside/secret.txt'],
    ['a deep parent escape', 'a/../../outside/secret.txt'],
    ['an absolute path', '/etc/hostname'],
    ['the folder itself', '.'],
    ['a NUL byte', 'a\0b'],
  ])('refuses %s', async (_what, path) => {
    // The catalog's path schema refuses most of these as params; the folder refuses them again.
    const refused = { retryable: false };
    await expect(run('file.read', { path })).rejects.toMatchObject(refused);
    await expect(run('file.write', { path, content: 'x' })).rejects.toMatchObject(refused);
    await expect(run('file.move', { from: path, to: 'stolen.txt' })).rejects.toMatchObject(refused);
    await expect(run('file.move', { from: 'missing.txt', to: path })).rejects.toMatchObject(refused);
    const folder = new ConfinedFolder(root);
    await expect(folder.readFile(path)).rejects.toBeInstanceOf(FileAccessError);
    await expect(folder.writeFile(path, Buffer.from('x'))).rejects.toBeInstanceOf(FileAccessError);
    await expect(folder.move('missing.txt', path)).rejects.toBeInstanceOf(FileAccessError);
    expect(existsSync(join(outside, 'stolen.txt'))).toBe(false);
  });

  it('refuses a symlink to a file outside', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    await expect(run('file.read', { path: 'link.txt' })).rejects.toThrow(/outside the files folder/);
    await expect(run('file.write', { path: 'link.txt', content: 'overwritten' })).rejects.toBeInstanceOf(
      FileAccessError,
    );
    await expect(run('file.move', { from: 'link.txt', to: 'copy.txt' })).rejects.toBeInstanceOf(
      FileAccessError,
    );
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('refuses a symlinked folder leading outside, for reads and for writes under it', async () => {
    symlinkSync(outside, join(root, 'dir'));
    await expect(run('file.read', { path: 'dir/secret.txt' })).rejects.toBeInstanceOf(FileAccessError);
    await expect(run('file.write', { path: 'dir/new.txt', content: 'x' })).rejects.toBeInstanceOf(
      FileAccessError,
    );
    await expect(run('file.write', { path: 'dir/deeper/new.txt', content: 'x' })).rejects.toBeInstanceOf(
      FileAccessError,
    );
    expect(existsSync(join(outside, 'new.txt'))).toBe(false);
    expect(existsSync(join(outside, 'deeper'))).toBe(false);
  });

  it('follows symlinks that stay inside', async () => {
    writeFileSync(join(root, 'real.txt'), 'inside');
    symlinkSync(join(root, 'real.txt'), join(root, 'alias.txt'));
    await expect(run('file.read', { path: 'alias.txt' })).resolves.toMatchObject({ content: 'inside' });
  });

  it('reports a missing file as a terminal access error', async () => {
    const error = await run('file.read', { path: 'missing.txt' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileAccessError);
    expect(error).toMatchObject({ retryable: false, message: '"missing.txt" does not exist' });
  });
});
