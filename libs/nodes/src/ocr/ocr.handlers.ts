import type { OcrEngine } from '@aether/ocr';
import type { NodeHandler } from '../contract';
import { NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { readImage } from './read-image';

const DEFAULT_MAX_CHARS = 200_000;

export function ocrHandlers(folder: ConfinedFolder, engine: OcrEngine): NodeHandler[] {
  return [
    implement('ocr.text', async ({ file, rectangle, maxChars = DEFAULT_MAX_CHARS }, context) => {
      throwIfAborted(context.signal);
      const source = await readFileSource(file, folder, context);
      const result = await readImage(engine, source.bytes, context, { rectangle, name: source.name });
      if (result.text.length > maxChars)
        throw new NodeParamsError(
          `${file}: the text read has ${result.text.length} characters, more than maxChars (${maxChars}); read a smaller rectangle`,
        );
      return {
        text: result.text,
        confidence: result.confidence,
        lines: result.lines.map(({ text, confidence, box }) => ({ text, confidence, box })),
      };
    }),
  ];
}
