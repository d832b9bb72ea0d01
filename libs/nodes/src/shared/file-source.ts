import { basename } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { NodeContext } from '../contract';
import { NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';

const REF_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isArtifactRef(value: string): boolean {
  return REF_PATTERN.test(value);
}

/** Reads a `file` param: an artifact reference, or a path inside the allowed folder. */
export async function readFileSource(
  file: string,
  folder: ConfinedFolder,
  context: NodeContext,
): Promise<{ name: string; bytes: Uint8Array }> {
  if (!isArtifactRef(file)) return { name: basename(file), bytes: await folder.readFile(file) };
  if (context.readArtifact === undefined) {
    throw new NodeParamsError(`"${file}" is an artifact reference, but this robot cannot read artifacts`);
  }
  const name = decodeURIComponent(file.slice(file.lastIndexOf('/') + 1)) || 'artifact';
  return { name, bytes: await context.readArtifact(file) };
}

/** Bytes a reader can seek in: a file still on disk (the caller closes it), or bytes in memory. */
export type SeekableSource = { readonly handle: FileHandle } | { readonly bytes: Uint8Array };

/** A `file` param opened for seeking: a file inside the allowed folder is read from disk, never whole. */
export async function openSeekable(
  file: string,
  folder: ConfinedFolder,
  context: NodeContext,
): Promise<SeekableSource> {
  if (!isArtifactRef(file)) return { handle: await folder.openForReading(file) };
  return { bytes: (await readFileSource(file, folder, context)).bytes };
}
