import { randomUUID } from 'node:crypto';
import { constants, type WriteStream } from 'node:fs';
import { mkdir, open, realpath, rename, copyFile, unlink, lstat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { finished } from 'node:stream/promises';
import { FileAccessError } from '../errors';

const MAX_FILE_BYTES = 50 * 1024 * 1024;

/**
 * The one folder file nodes may touch. Paths are relative to it; `..`, absolute paths and
 * symlinks leading outside are refused. The last path component is opened with
 * `O_NOFOLLOW`, so a symlink swapped in after the check is refused too.
 */
export class ConfinedFolder {
  #realRoot: Promise<string> | undefined;

  constructor(readonly root: string) {}

  async readFile(path: string): Promise<Buffer> {
    const target = await this.resolveExisting(path);
    return this.withHandle(path, target, constants.O_RDONLY, async (handle) => {
      const { size } = await handle.stat();
      if (size > MAX_FILE_BYTES)
        throw new FileAccessError(`"${path}" is ${size} bytes; the limit is ${MAX_FILE_BYTES}`);
      return handle.readFile();
    });
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<string> {
    const target = await this.resolveForWrite(path);
    await this.withHandle(
      path,
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
      (handle) => handle.writeFile(bytes),
    );
    return this.relativeName(target);
  }

  /**
   * The file opened for reading, for readers that stream or seek (no size limit); the caller
   * closes it. Opened with the same checks as `readFile`.
   */
  async openForReading(path: string): Promise<FileHandle> {
    const target = await this.resolveExisting(path);
    let handle: FileHandle;
    try {
      handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      throw this.accessError(path, error);
    }
    return handle;
  }

  /**
   * Writes `path` through a stream into a temporary file beside it, renamed over `path` once
   * `write` resolves and the stream is flushed: readers never see half a file, and a failure
   * (or a crash) leaves the previous file as it was.
   */
  async writeAtomically(path: string, write: (stream: WriteStream) => Promise<void>): Promise<string> {
    const target = await this.resolveForWrite(path);
    const temp = `${target}.${randomUUID().slice(0, 8)}.tmp`;
    let handle: FileHandle;
    try {
      handle = await open(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o644,
      );
    } catch (error) {
      throw this.accessError(path, error);
    }
    const stream = handle.createWriteStream();
    try {
      await write(stream);
      if (!stream.writableEnded) stream.end();
      await finished(stream);
      await rename(temp, target);
    } catch (error) {
      stream.destroy();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    return this.relativeName(target);
  }

  /** Moves `from` to `to`, both inside the folder; across devices it copies and deletes. */
  async move(from: string, to: string): Promise<{ from: string; to: string }> {
    const source = await this.resolveExisting(from);
    if ((await lstat(source)).isDirectory())
      throw new FileAccessError(`"${from}" is a folder; only files move`);
    const target = await this.resolveForWrite(to);
    try {
      await rename(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw this.accessError(from, error);
      await copyFile(source, target, constants.COPYFILE_EXCL);
      await unlink(source);
    }
    return { from: await this.relativeName(source), to: await this.relativeName(target) };
  }

  /** Whether `path` names an existing entry inside the folder (escapes throw). */
  async exists(path: string): Promise<boolean> {
    const lexical = await this.lexicalPath(path);
    try {
      await lstat(lexical);
    } catch {
      return false;
    }
    await this.resolveExisting(path);
    return true;
  }

  private realRoot(): Promise<string> {
    this.#realRoot ??= realpath(this.root).catch((error: unknown) => {
      this.#realRoot = undefined;
      throw new FileAccessError(`The files folder "${this.root}" is not accessible`, { cause: error });
    });
    return this.#realRoot;
  }

  /** Rejects absolute paths and `..` escapes before touching the disk. */
  private async lexicalPath(path: string): Promise<string> {
    if (path.includes('\0')) throw new FileAccessError('A path must not contain NUL characters');
    if (path.trim() === '') throw new FileAccessError('The path is empty');
    if (isAbsolute(path))
      throw new FileAccessError(`"${path}" is absolute; paths are relative to the files folder`);
    const root = await this.realRoot();
    const target = resolve(root, path);
    if (!this.inside(root, target) || target === root) {
      throw new FileAccessError(`"${path}" leads outside the files folder`);
    }
    return target;
  }

  private async resolveExisting(path: string): Promise<string> {
    const lexical = await this.lexicalPath(path);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch (error) {
      throw this.accessError(path, error);
    }
    if (!this.inside(await this.realRoot(), real))
      throw new FileAccessError(`"${path}" leads outside the files folder`);
    return real;
  }

  /** Creates missing parent folders, then checks the real parent is still inside. */
  private async resolveForWrite(path: string): Promise<string> {
    const lexical = await this.lexicalPath(path);
    const root = await this.realRoot();
    const parent = dirname(lexical);
    // The nearest existing ancestor must be inside before anything is created under it.
    let ancestor = parent;
    for (;;) {
      try {
        ancestor = await realpath(ancestor);
        break;
      } catch {
        ancestor = dirname(ancestor);
      }
    }
    if (!this.inside(root, ancestor) && ancestor !== root)
      throw new FileAccessError(`"${path}" leads outside the files folder`);
    try {
      await mkdir(parent, { recursive: true });
    } catch (error) {
      throw this.accessError(path, error);
    }
    const realParent = await realpath(parent);
    if (realParent !== root && !this.inside(root, realParent)) {
      throw new FileAccessError(`"${path}" leads outside the files folder`);
    }
    return resolve(realParent, relative(parent, lexical));
  }

  private async withHandle<T>(
    path: string,
    target: string,
    flags: number,
    use: (handle: FileHandle) => Promise<T>,
  ): Promise<T> {
    let handle: FileHandle;
    try {
      handle = await open(target, flags | constants.O_NOFOLLOW, 0o644);
    } catch (error) {
      throw this.accessError(path, error);
    }
    try {
      return await use(handle);
    } catch (error) {
      if (error instanceof FileAccessError) throw error;
      throw this.accessError(path, error);
    } finally {
      await handle.close();
    }
  }

  private inside(root: string, target: string): boolean {
    return target.startsWith(root.endsWith(sep) ? root : root + sep);
  }

  private async relativeName(target: string): Promise<string> {
    return relative(await this.realRoot(), target)
      .split(sep)
      .join('/');
  }

  private accessError(path: string, error: unknown): FileAccessError {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ELOOP'
          ? 'is a symbolic link'
          : code === 'EISDIR'
            ? 'is a folder'
            : code === 'EACCES' || code === 'EPERM'
              ? 'is not accessible'
              : `cannot be accessed (${code ?? String(error)})`;
    return new FileAccessError(`"${path}" ${reason}`, { cause: error });
  }
}
