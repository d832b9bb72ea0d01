import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dialog, Frame, Page } from 'playwright-core';
import { z } from 'zod';
import type { NodeContext, NodeHandler } from '../contract';
import { ElementNotFoundError, HttpError, NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { raceAbort, throwIfAborted } from '../shared/abort';
import { defineHandler, nonEmpty } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { click } from './click';
import { extractTable } from './extract-table';
import { browserTarget, firstLine, navigationError, onElement, type BrowserTarget } from './target';

const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;
const elementState = z.enum(['attached', 'detached', 'visible', 'hidden']);
const oneOf = (keys: string[]) => (p: Record<string, unknown>) =>
  keys.filter((k) => p[k] !== undefined).length === 1;

export function browserHandlers(folder: ConfinedFolder): NodeHandler[] {
  return [
    defineHandler(
      'browser.goto',
      z.object({
        url: z.url({ protocol: /^https?$/ }),
        waitUntil: z.enum(['load', 'domcontentloaded', 'networkidle', 'commit']).default('load'),
      }),
      async ({ url, waitUntil }, context) => {
        const target = await browserTarget(context);
        const response = await raceAbort(
          target.page.goto(url, { waitUntil, timeout: target.timeout }),
          context.signal,
        ).catch((error: unknown) => {
          throw navigationError(url, error);
        });
        target.session.frame = undefined;
        const status = response?.status();
        if (status !== undefined && status >= 400) throw new HttpError(`${url} answered ${status}`, status);
        return status === undefined ? { url: target.page.url() } : { url: target.page.url(), status };
      },
    ),

    defineHandler('browser.click', z.object({ selector: nonEmpty }), async ({ selector }, context) => {
      const target = await browserTarget(context);
      await onElement(context, target, selector, (el, timeout) => click(el, target.frame, timeout));
      return {};
    }),

    defineHandler(
      'browser.fill',
      z.object({ selector: nonEmpty, value: z.string() }),
      async ({ selector, value }, context) => {
        await onElement(context, await browserTarget(context), selector, (el, timeout) =>
          el.fill(value, { timeout }),
        );
        return {};
      },
    ),

    defineHandler(
      'browser.select',
      z
        .object({
          selector: nonEmpty,
          value: z.union([z.string(), z.array(z.string())]).optional(),
          label: z.union([z.string(), z.array(z.string())]).optional(),
        })
        .refine(oneOf(['value', 'label']), { message: 'give exactly one of value or label' }),
      async ({ selector, value, label }, context) => {
        const options = [value ?? label ?? []]
          .flat()
          .map((v) => (value !== undefined ? { value: v } : { label: v }));
        const selected = await onElement(context, await browserTarget(context), selector, (el, timeout) =>
          el.selectOption(options, { timeout }),
        );
        return { selected };
      },
    ),

    defineHandler(
      'browser.check',
      z.object({ selector: nonEmpty, checked: z.boolean().default(true) }),
      async ({ selector, checked }, context) => {
        await onElement(context, await browserTarget(context), selector, (el, timeout) =>
          el.setChecked(checked, { timeout }),
        );
        return { checked };
      },
    ),

    defineHandler(
      'browser.press',
      z.object({ selector: nonEmpty.optional(), key: nonEmpty }),
      async ({ selector, key }, context) => {
        const target = await browserTarget(context);
        if (selector === undefined) await raceAbort(target.page.keyboard.press(key), context.signal);
        else await onElement(context, target, selector, (el, timeout) => el.press(key, { timeout }));
        return {};
      },
    ),

    defineHandler('browser.hover', z.object({ selector: nonEmpty }), async ({ selector }, context) => {
      await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.hover({ timeout }),
      );
      return {};
    }),

    defineHandler(
      'browser.waitFor',
      z
        .object({
          selector: nonEmpty.optional(),
          text: nonEmpty.optional(),
          /** `true`: the page's load state; a string: a URL containing it. */
          navigation: z.union([z.boolean(), nonEmpty]).optional(),
          state: z.string().optional(),
        })
        .refine(oneOf(['selector', 'text', 'navigation']), {
          message: 'give exactly one of selector, text or navigation',
        }),
      async ({ selector, text, navigation, state }, context) => {
        const target = await browserTarget(context);
        if (navigation !== undefined) {
          // Element states (the catalog's `state`) mean nothing for a navigation: wait for `load` then.
          const loadState = z.enum(['load', 'domcontentloaded', 'networkidle']).catch('load').parse(state);
          const wait =
            typeof navigation === 'string'
              ? target.page.waitForURL((url) => url.href.includes(navigation), {
                  waitUntil: loadState,
                  timeout: target.timeout,
                })
              : target.page.waitForLoadState(loadState, { timeout: target.timeout });
          await raceAbort(wait, context.signal).catch((error: unknown) => {
            throw navigationError(typeof navigation === 'string' ? navigation : target.page.url(), error);
          });
          return { url: target.page.url() };
        }
        const elementStateValue = elementState.default('visible').safeParse(state);
        if (!elementStateValue.success)
          throw new NodeParamsError(`state "${state}" is not one of ${elementState.options.join(', ')}`);
        const name = selector ?? `text=${text}`;
        await onElement(
          context,
          target,
          name,
          (el, timeout) => el.waitFor({ state: elementStateValue.data, timeout }),
          (frame) => (selector !== undefined ? frame.locator(selector) : frame.getByText(text ?? '').first()),
        );
        return {};
      },
    ),

    defineHandler('browser.extractText', z.object({ selector: nonEmpty }), async ({ selector }, context) => {
      const text = await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.innerText({ timeout }),
      );
      return { text: text.trim() };
    }),

    defineHandler(
      'browser.extractAttribute',
      z.object({ selector: nonEmpty, attribute: nonEmpty }),
      async ({ selector, attribute }, context) => {
        const value = await onElement(context, await browserTarget(context), selector, (el, timeout) =>
          el.getAttribute(attribute, { timeout }),
        );
        return { value };
      },
    ),

    defineHandler(
      'browser.extractTable',
      z.object({
        selector: nonEmpty,
        nextPageSelector: nonEmpty.optional(),
        maxPages: z.number().int().min(1).max(1000).default(50),
      }),
      async (params, context) => ({ ...(await extractTable(context, params)) }),
    ),

    defineHandler(
      'browser.screenshot',
      z.object({ fullPage: z.boolean().default(false) }),
      async ({ fullPage }, context) => {
        const target = await browserTarget(context);
        const bytes = await raceAbort(
          target.page.screenshot({ fullPage, timeout: target.timeout }),
          context.signal,
        );
        return {
          ref: await context.storeArtifact('screenshot', `${context.stepKey}/screenshot.png`, bytes),
          size: bytes.length,
        };
      },
    ),

    defineHandler('browser.download', z.object({ selector: nonEmpty }), async ({ selector }, context) => {
      const target = await browserTarget(context);
      const downloading = target.page.waitForEvent('download', { timeout: target.timeout });
      downloading.catch(() => undefined);
      await onElement(context, target, selector, (el, timeout) => click(el, target.frame, timeout));
      const download = await raceAbort(downloading, context.signal);
      try {
        const bytes = await raceAbort(download.createReadStream().then(readDownload), context.signal);
        const fileName = download.suggestedFilename();
        const ref = await context.storeArtifact('download', `${context.stepKey}/${fileName}`, bytes);
        return { ref, fileName, size: bytes.length };
      } finally {
        await download.delete().catch(() => undefined);
      }
    }),

    defineHandler(
      'browser.upload',
      z.object({ selector: nonEmpty, file: nonEmpty }),
      async ({ selector, file }, context) => {
        const { name, bytes } = await readFileSource(file, folder, context);
        const payload = { name, mimeType: mimeTypeOf(name), buffer: Buffer.from(bytes) };
        await onElement(context, await browserTarget(context), selector, (el, timeout) =>
          el.setInputFiles(payload, { timeout }),
        );
        return { fileName: name, size: bytes.length };
      },
    ),

    defineHandler(
      'browser.switchTab',
      z
        .object({ index: z.number().int().min(0).optional(), urlIncludes: nonEmpty.optional() })
        .refine(oneOf(['index', 'urlIncludes']), { message: 'give exactly one of index or urlIncludes' }),
      async ({ index, urlIncludes }, context) => {
        const target = await browserTarget(context);
        const describe = index !== undefined ? `tab ${index}` : `tab with URL containing "${urlIncludes}"`;
        const pick = (): Page | undefined => {
          const pages = target.session.context.pages().filter((p) => !p.isClosed());
          return index !== undefined ? pages[index] : pages.find((p) => p.url().includes(urlIncludes ?? ''));
        };
        const page = await poll(context, target, pick);
        if (page === undefined) throw new ElementNotFoundError(describe, 0, { message: `No ${describe}` });
        await raceAbort(
          page.waitForLoadState('domcontentloaded', { timeout: target.timeout }),
          context.signal,
        );
        await page.bringToFront();
        target.session.page = page;
        target.session.frame = undefined;
        return { url: page.url(), index: target.session.context.pages().indexOf(page) };
      },
    ),

    defineHandler(
      'browser.switchFrame',
      z
        .object({ selector: nonEmpty.optional(), name: nonEmpty.optional() })
        .refine(oneOf(['selector', 'name']), { message: 'give exactly one of selector or name' }),
      async ({ selector, name }, context) => {
        const target = await browserTarget(context);
        let frame: Frame | null | undefined;
        if (name === '_top') frame = target.page.mainFrame();
        else if (name === '_parent') frame = target.frame.parentFrame() ?? target.frame;
        else if (name !== undefined) {
          const named = () =>
            descendants(target.frame).find((f) => f.name() === name) ??
            target.page.frames().find((f) => f.name() === name);
          frame = await poll(context, target, named);
          if (frame === undefined)
            throw new ElementNotFoundError(`frame "${name}"`, 0, { message: `No frame named "${name}"` });
        } else {
          const handle = await onElement(context, target, selector ?? '', (el, timeout) =>
            el.elementHandle({ timeout }),
          );
          frame = await handle?.contentFrame();
          await handle?.dispose();
          if (frame == null) throw new NodeParamsError(`"${selector}" is not a frame or iframe element`);
        }
        await raceAbort(
          frame.waitForLoadState('domcontentloaded', { timeout: target.timeout }),
          context.signal,
        );
        target.session.frame = frame === target.page.mainFrame() ? undefined : frame;
        return { url: frame.url(), name: frame.name() };
      },
    ),

    defineHandler(
      'browser.dialog',
      z.object({ action: z.enum(['accept', 'dismiss']), promptText: z.string().optional() }),
      async ({ action, promptText }, context) => {
        const { page, session } = await browserTarget(context);
        if (session.armedDialog !== undefined)
          session.armedDialog.page.off('dialog', session.armedDialog.listener);
        const listener = (dialog: Dialog) => {
          session.armedDialog = undefined;
          context.log.info('browser.dialog answered', { type: dialog.type(), action });
          void (action === 'accept' ? dialog.accept(promptText) : dialog.dismiss()).catch(() => undefined);
        };
        page.once('dialog', listener);
        session.armedDialog = { page, listener };
        return { armed: action };
      },
    ),

    defineHandler('browser.evaluate', z.object({ script: nonEmpty }), async ({ script }, context) => {
      const target = await browserTarget(context);
      try {
        return { value: (await raceAbort(target.frame.evaluate(script), context.signal)) ?? null };
      } catch (error) {
        if (
          error instanceof Error &&
          !target.page.isClosed() &&
          /^(frame|page)\.evaluate:/i.test(error.message)
        ) {
          throw new NodeParamsError(
            `The script failed: ${firstLine(error).replace(/^\w+\.evaluate: /, '')}`,
            { cause: error },
          );
        }
        throw error;
      }
    }),
  ];
}

async function poll<T>(
  context: NodeContext,
  target: BrowserTarget,
  probe: () => T | undefined,
): Promise<T | undefined> {
  const deadline = Date.now() + target.timeout;
  for (;;) {
    const found = probe();
    if (found !== undefined || Date.now() >= deadline) return found;
    throwIfAborted(context.signal);
    await sleep(100);
  }
}

function descendants(frame: Frame): Frame[] {
  return frame.childFrames().flatMap((child) => [child, ...descendants(child)]);
}

async function readDownload(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_DOWNLOAD_BYTES)
      throw new NodeParamsError(`The download is larger than ${MAX_DOWNLOAD_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const MIME_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.xml': 'application/xml',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.zip': 'application/zip',
};

function mimeTypeOf(name: string): string {
  return MIME_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}
