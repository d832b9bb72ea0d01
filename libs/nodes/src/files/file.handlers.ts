import { z } from 'zod';
import type { NodeHandler } from '../contract';
import { FileAccessError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { defineHandler, nonEmpty } from '../shared/define-handler';
import type { ConfinedFolder } from './confined-folder';

const encoding = z.enum(['utf8', 'base64']).default('utf8');

export function fileHandlers(folder: ConfinedFolder): NodeHandler[] {
  return [
    defineHandler(
      'file.read',
      z.object({ path: nonEmpty, encoding }),
      async ({ path, encoding }, { signal }) => {
        throwIfAborted(signal);
        const bytes = await folder.readFile(path);
        return { content: bytes.toString(encoding), size: bytes.length };
      },
    ),

    defineHandler(
      'file.write',
      z.object({ path: nonEmpty, content: z.string(), encoding }),
      async ({ path, content, encoding }, { signal }) => {
        throwIfAborted(signal);
        const bytes = Buffer.from(content, encoding);
        return { path: await folder.writeFile(path, bytes), size: bytes.length };
      },
    ),

    defineHandler(
      'file.move',
      z.object({ from: nonEmpty, to: nonEmpty }),
      async ({ from, to }, { signal }) => {
        throwIfAborted(signal);
        if (!(await folder.exists(from))) {
          // A retried move whose first attempt renamed the file before the robot could record it.
          if (await folder.exists(to)) return { path: to, alreadyMoved: true };
          throw new FileAccessError(`"${from}" does not exist`);
        }
        return { path: (await folder.move(from, to)).to, alreadyMoved: false };
      },
    ),
  ];
}
