import { basename } from 'node:path';
import { Readable } from 'node:stream';
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

/** A `file` param's bytes as a stream: a file inside the allowed folder is streamed from disk. */
export async function openFileSource(
  file: string,
  folder: ConfinedFolder,
  context: NodeContext,
): Promise<Readable> {
  if (!isArtifactRef(file)) return folder.readStream(file);
  return Readable.from([Buffer.from((await readFileSource(file, folder, context)).bytes)]);
}
