import { setTimeout as sleep } from 'node:timers/promises';
import { PNG } from 'pngjs';
import type { NodeContext, NodeHandler } from '../contract';
import { ElementNotFoundError, NodeError, NodeParamsError, NodeTimeoutError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { abortedError, throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { findTemplate, toGray, type GrayImage, type TemplateMatch } from './template-match';

type NutJs = typeof import('@nut-tree-fork/nut-js');

/** The robot has no desktop to drive. Retryable: a robot with a display may run the step. */
export class DesktopUnavailableError extends NodeError {
  readonly code = 'DESKTOP_UNAVAILABLE';
  readonly retryable = true;
}

/** Options of the `desktop.*` nodes, given once to `createNodeHandlers`. */
export interface DesktopNodeOptions {
  /**
   * X display to drive, e.g. `:99`. nut.js reads `DISPLAY` from the environment when it
   * first loads, so this sets `process.env.DISPLAY` then. Default: the inherited `DISPLAY`.
   */
  readonly display?: string;
  /** Pause between typed keys, in ms. Default `5`. */
  readonly typingDelayMs?: number;
  /** Minimum match confidence (0–1) of image searches without their own. Default `0.95`. */
  readonly confidence?: number;
  /** How often `desktop.waitForImage` looks again, in ms. Default `200`. */
  readonly pollIntervalMs?: number;
}

/** A PNG: a path inside the allowed folder, an artifact reference, or `{ ref }`. */
type ImageParam = string | { readonly ref: string };
const imageSource = (image: ImageParam): string => (typeof image === 'string' ? image : image.ref);

const KEY_ALIASES: Record<string, string> = {
  ctrl: 'LeftControl',
  control: 'LeftControl',
  shift: 'LeftShift',
  alt: 'LeftAlt',
  option: 'LeftAlt',
  meta: 'LeftSuper',
  super: 'LeftSuper',
  win: 'LeftSuper',
  cmd: 'LeftCmd',
  command: 'LeftCmd',
  esc: 'Escape',
  del: 'Delete',
  return: 'Return',
  enter: 'Enter',
  space: 'Space',
  ' ': 'Space',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  pgup: 'PageUp',
  pgdn: 'PageDown',
  '-': 'Minus',
  '=': 'Equal',
  ',': 'Comma',
  '.': 'Period',
  '/': 'Slash',
  ';': 'Semicolon',
  "'": 'Quote',
};

/**
 * The `desktop.*` handlers. nut.js loads on the first desktop step, so robots without a
 * display never touch X. Steps run one at a time: there is one mouse and one keyboard.
 */
export function desktopHandlers(folder: ConfinedFolder, options: DesktopNodeOptions = {}): NodeHandler[] {
  let loading: Promise<NutJs> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const minConfidence = options.confidence ?? 0.95;

  const nut = (): Promise<NutJs> => {
    loading ??= (async () => {
      const display = options.display ?? process.env['DISPLAY'];
      // Without a display libnut crashes the whole process on its first call.
      if (process.platform === 'linux' && !display) {
        throw new DesktopUnavailableError(
          'This robot has no X display (set DISPLAY or the desktop.display option)',
        );
      }
      // libnut opens the display named by the process environment (C `getenv`) on each capture.
      if (options.display !== undefined) process.env['DISPLAY'] = options.display;
      const lib = await import('@nut-tree-fork/nut-js');
      lib.keyboard.config.autoDelayMs = options.typingDelayMs ?? 5;
      lib.mouse.config.autoDelayMs = 0;
      lib.mouse.config.mouseSpeed = 5000;
      return lib;
    })();
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };

  const serial =
    <P>(run: (nutjs: NutJs, params: P, context: NodeContext) => Promise<Record<string, unknown>>) =>
    async (params: P, context: NodeContext) => {
      const turn = queue.then(async () => {
        throwIfAborted(context.signal);
        return run(await nut(), params, context);
      });
      queue = turn.catch(() => undefined);
      return turn;
    };

  const buttonOf = (lib: NutJs, name: 'left' | 'right' | 'middle') =>
    name === 'left' ? lib.Button.LEFT : name === 'right' ? lib.Button.RIGHT : lib.Button.MIDDLE;

  const click = async (
    lib: NutJs,
    at: { x: number; y: number } | undefined,
    name: 'left' | 'right' | 'middle',
    double: boolean,
  ) => {
    if (at !== undefined) await lib.mouse.setPosition(new lib.Point(at.x, at.y));
    if (double) await lib.mouse.doubleClick(buttonOf(lib, name));
    else await lib.mouse.click(buttonOf(lib, name));
  };

  const loadTemplate = async (image: string, context: NodeContext): Promise<GrayImage> => {
    const { bytes } = await readFileSource(image, folder, context);
    try {
      const png = PNG.sync.read(Buffer.from(bytes));
      return toGray({ width: png.width, height: png.height, data: png.data, channels: 4 }, 'rgb');
    } catch (error) {
      throw new NodeParamsError(`"${image}" is not a PNG image`, { cause: error });
    }
  };

  const locate = async (
    lib: NutJs,
    template: GrayImage,
    confidence: number,
  ): Promise<TemplateMatch | undefined> => {
    const shot = await lib.screen.grab();
    const order = shot.colorMode === lib.ColorMode.RGB ? 'rgb' : 'bgr';
    const screen = toGray(
      {
        width: shot.width,
        height: shot.height,
        data: shot.data,
        channels: shot.channels,
        stride: shot.byteWidth,
      },
      order,
    );
    const match = findTemplate(screen, template, confidence);
    if (match === undefined) return undefined;
    const { scaleX, scaleY } = shot.pixelDensity;
    return {
      x: Math.round(match.x / scaleX),
      y: Math.round(match.y / scaleY),
      width: Math.round(match.width / scaleX),
      height: Math.round(match.height / scaleY),
      confidence: match.confidence,
    };
  };

  const findOrFail = async (
    lib: NutJs,
    p: { image: ImageParam; confidence?: number | undefined },
    context: NodeContext,
  ) => {
    const image = imageSource(p.image);
    const found = await locate(lib, await loadTemplate(image, context), p.confidence ?? minConfidence);
    if (found === undefined)
      throw new ElementNotFoundError(image, 0, { message: `The image "${image}" is not on the screen` });
    return found;
  };

  return [
    implement(
      'desktop.mouseMove',
      serial(async (lib, { x, y }) => {
        await lib.mouse.setPosition(new lib.Point(x, y));
        return { x, y };
      }),
    ),

    implement(
      'desktop.click',
      serial(async (lib, p) => {
        await click(
          lib,
          p.x !== undefined && p.y !== undefined ? { x: p.x, y: p.y } : undefined,
          p.button ?? 'left',
          p.double ?? false,
        );
        const at = await lib.mouse.getPosition();
        return { x: at.x, y: at.y };
      }),
    ),

    implement(
      'desktop.drag',
      serial(async (lib, { from, to }) => {
        await lib.mouse.setPosition(new lib.Point(from.x, from.y));
        await lib.mouse.pressButton(lib.Button.LEFT);
        try {
          await lib.mouse.move(lib.straightTo(new lib.Point(to.x, to.y)));
        } finally {
          await lib.mouse.releaseButton(lib.Button.LEFT);
        }
        return { from, to };
      }),
    ),

    implement(
      'desktop.type',
      serial(async (lib, { text }) => {
        await lib.keyboard.type(text);
        return { length: text.length };
      }),
    ),

    implement(
      'desktop.keys',
      serial(async (lib, { keys }) => {
        const codes = keys.map((name) => keyCode(lib, name));
        await lib.keyboard.pressKey(...codes);
        // nut.js treats the last key as the key and the others as modifiers, in both calls.
        await lib.keyboard.releaseKey(...codes);
        return { keys };
      }),
    ),

    implement(
      'desktop.findImage',
      serial(async (lib, p, context) => ({ ...(await findOrFail(lib, p, context)) })),
    ),

    implement(
      'desktop.clickImage',
      serial(async (lib, p, context) => {
        const found = await findOrFail(lib, p, context);
        const center = {
          x: found.x + Math.floor(found.width / 2),
          y: found.y + Math.floor(found.height / 2),
        };
        await click(lib, center, p.button ?? 'left', p.double ?? false);
        return { ...found, clickedAt: center };
      }),
    ),

    implement(
      'desktop.waitForImage',
      serial(async (lib, p, context) => {
        const image = imageSource(p.image);
        const template = await loadTemplate(image, context);
        const timeoutMs = p.timeoutMs;
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = await locate(lib, template, p.confidence ?? minConfidence);
          if (found !== undefined) return { ...found };
          if (Date.now() >= deadline)
            throw new NodeTimeoutError(`The image "${image}" did not appear within ${timeoutMs} ms`);
          await sleep(options.pollIntervalMs ?? 200, undefined, { signal: context.signal }).catch(() => {
            throw abortedError(context.signal);
          });
        }
      }),
    ),

    implement(
      'desktop.screenshot',
      serial(async (lib, _p, context) => {
        const shot = await lib.screen.grab();
        const bytes = encodePng(shot, shot.colorMode === lib.ColorMode.RGB ? 'rgb' : 'bgr');
        const ref = await context.storeArtifact('screenshot', 'desktop.png', bytes);
        return { ref, width: shot.width, height: shot.height };
      }),
    ),
  ];
}

function keyCode(lib: NutJs, name: string): number {
  const wanted = KEY_ALIASES[name.toLowerCase()] ?? (/^[0-9]$/.test(name) ? `Num${name}` : name);
  const keys = lib.Key as unknown as Record<string, number>;
  const match = Object.keys(keys).find(
    (key) => Number.isNaN(Number(key)) && key.toLowerCase() === wanted.toLowerCase(),
  );
  if (match === undefined) throw new NodeParamsError(`"${name}" is not a key nut.js knows`);
  return keys[match] as number;
}

function encodePng(
  shot: { width: number; height: number; data: Buffer; channels: number; byteWidth: number },
  order: 'rgb' | 'bgr',
): Buffer {
  const png = new PNG({ width: shot.width, height: shot.height });
  const [r, b] = order === 'rgb' ? [0, 2] : [2, 0];
  for (let y = 0; y < shot.height; y++) {
    for (let x = 0; x < shot.width; x++) {
      const from = y * shot.byteWidth + x * shot.channels;
      const to = (y * shot.width + x) * 4;
      png.data[to] = shot.data[from + r] ?? 0;
      png.data[to + 1] = shot.data[from + 1] ?? 0;
      png.data[to + 2] = shot.data[from + b] ?? 0;
      png.data[to + 3] = 255;
    }
  }
  // Sub filtering instead of pngjs' adaptive choice: as small for screens, and far cheaper.
  return PNG.sync.write(png, { filterType: 1 });
}
