import type { NodeHandler } from '../contract';
import { FileAccessError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import type { ConfinedFolder } from './confined-folder';

export function fileHandlers(folder: ConfinedFolder): NodeHandler[] {
  return [
    implement('file.read', async ({ path, encoding = 'utf8' }, { signal }) => {
      throwIfAborted(signal);
      const bytes = await folder.readFile(path);
      return { content: bytes.toString(encoding), size: bytes.length };
    }),

    implement('file.write', async ({ path, content, encoding = 'utf8' }, { signal }) => {
      throwIfAborted(signal);
      const bytes = Buffer.from(content, encoding);
      return { path: await folder.writeFile(path, bytes), size: bytes.length };
    }),

    implement('file.move', async ({ from, to }, { signal }) => {
      throwIfAborted(signal);
      if (!(await folder.exists(from))) {
        // A retried move whose first attempt renamed the file before the robot could record it.
        if (await folder.exists(to)) return { path: to, alreadyMoved: true };
        throw new FileAccessError(`"${from}" does not exist`);
      }
      return { path: (await folder.move(from, to)).to, alreadyMoved: false };
    }),
  ];
}
