import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dialog, Frame, Page } from 'playwright-core';
import { z } from 'zod';
import type { NodeContext, NodeHandler } from '../contract';
import { ElementNotFoundError, HttpError, NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { raceAbort, throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { click } from './click';
import { EgressDeniedError } from '../http/egress';
import { EGRESS_REFUSAL_HEADER } from './egress-proxy';
import { extractTable } from './extract-table';
import { browserTarget, firstLine, navigationError, onElement, type BrowserTarget } from './target';

const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;
const elementState = z.enum(['attached', 'detached', 'visible', 'hidden']);

export function browserHandlers(folder: ConfinedFolder): NodeHandler[] {
  return [
    implement('browser.goto', async ({ url, waitUntil }, context) => {
      const target = await browserTarget(context);
      const refusedBefore = target.session.egressRefusals;
      const response = await raceAbort(
        target.page.goto(url, { waitUntil, timeout: target.timeout }),
        context.signal,
      ).catch((error: unknown) => {
        // A refused tunnel fails the navigation with a bare net:: error: say why.
        if (target.session.egressRefusals > refusedBefore && /net::ERR_/.test(firstLine(error)))
          throw new EgressDeniedError(target.session.lastEgressRefusal ?? 'refused', { cause: error });
        throw navigationError(url, error);
      });
      target.session.frame = undefined;
      const refused = response?.headers()[EGRESS_REFUSAL_HEADER];
      if (refused) throw new EgressDeniedError(refused);
      const status = response?.status();
      if (status !== undefined && status >= 400) throw new HttpError(`${url} answered ${status}`, status);
      return status === undefined ? { url: target.page.url() } : { url: target.page.url(), status };
    }),

    implement('browser.click', async ({ selector }, context) => {
      const target = await browserTarget(context);
      await onElement(context, target, selector, (el, timeout) => click(el, target.frame, timeout));
      return {};
    }),

    implement('browser.fill', async ({ selector, value }, context) => {
      await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.fill(value, { timeout }),
      );
      return {};
    }),

    implement('browser.select', async ({ selector, value, label }, context) => {
      const options = [value ?? label ?? []]
        .flat()
        .map((v) => (value !== undefined ? { value: v } : { label: v }));
      const selected = await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.selectOption(options, { timeout }),
      );
      return { selected };
    }),

    implement('browser.check', async ({ selector, checked = true }, context) => {
      await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.setChecked(checked, { timeout }),
      );
      return { checked };
    }),

    implement('browser.press', async ({ selector, key }, context) => {
      const target = await browserTarget(context);
      if (selector === undefined) await raceAbort(target.page.keyboard.press(key), context.signal);
      else await onElement(context, target, selector, (el, timeout) => el.press(key, { timeout }));
      return {};
    }),

    implement('browser.hover', async ({ selector }, context) => {
      await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.hover({ timeout }),
      );
      return {};
    }),

    implement('browser.waitFor', async ({ selector, text, navigation, state }, context) => {
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
    }),

    implement('browser.extractText', async ({ selector }, context) => {
      const text = await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.innerText({ timeout }),
      );
      return { text: text.trim() };
    }),

    implement('browser.extractAttribute', async ({ selector, attribute }, context) => {
      const value = await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.getAttribute(attribute, { timeout }),
      );
      return { value };
    }),

    implement('browser.extractTable', async ({ selector, nextPageSelector, maxPages = 50 }, context) => ({
      ...(await extractTable(context, { selector, nextPageSelector, maxPages })),
    })),

    implement('browser.screenshot', async ({ fullPage = false }, context) => {
      const target = await browserTarget(context);
      const bytes = await raceAbort(
        target.page.screenshot({ fullPage, timeout: target.timeout }),
        context.signal,
      );
      return {
        ref: await context.storeArtifact('screenshot', 'screenshot.png', bytes),
        size: bytes.length,
      };
    }),

    implement('browser.download', async ({ selector }, context) => {
      const target = await browserTarget(context);
      const downloading = target.page.waitForEvent('download', { timeout: target.timeout });
      downloading.catch(() => undefined);
      await onElement(context, target, selector, (el, timeout) => click(el, target.frame, timeout));
      const download = await raceAbort(downloading, context.signal);
      try {
        const bytes = await raceAbort(download.createReadStream().then(readDownload), context.signal);
        const fileName = download.suggestedFilename();
        const ref = await context.storeArtifact('download', fileName, bytes);
        return { ref, fileName, size: bytes.length };
      } finally {
        await download.delete().catch(() => undefined);
      }
    }),

    implement('browser.upload', async ({ selector, file }, context) => {
      const { name, bytes } = await readFileSource(file, folder, context);
      const payload = { name, mimeType: mimeTypeOf(name), buffer: Buffer.from(bytes) };
      await onElement(context, await browserTarget(context), selector, (el, timeout) =>
        el.setInputFiles(payload, { timeout }),
      );
      return { fileName: name, size: bytes.length };
    }),

    implement('browser.switchTab', async ({ index, urlIncludes }, context) => {
      const target = await browserTarget(context);
      const describe = index !== undefined ? `tab ${index}` : `tab with URL containing "${urlIncludes}"`;
      const pick = (): Page | undefined => {
        const pages = target.session.context.pages().filter((p) => !p.isClosed());
        return index !== undefined ? pages[index] : pages.find((p) => p.url().includes(urlIncludes ?? ''));
      };
      const page = await poll(context, target, pick);
      if (page === undefined) throw new ElementNotFoundError(describe, 0, { message: `No ${describe}` });
      await raceAbort(page.waitForLoadState('domcontentloaded', { timeout: target.timeout }), context.signal);
      await page.bringToFront();
      target.session.page = page;
      target.session.frame = undefined;
      return { url: page.url(), index: target.session.context.pages().indexOf(page) };
    }),

    implement('browser.switchFrame', async ({ selector, name }, context) => {
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
    }),

    implement('browser.dialog', async ({ action, promptText }, context) => {
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
    }),

    implement('browser.evaluate', async ({ script }, context) => {
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
