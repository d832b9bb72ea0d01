import { OcrEngine } from '@aether/ocr';
import type { NodeHandler } from './contract';
import { browserHandlers } from './browser/browser.handlers';
import { collectionHandlers } from './data/collection.handlers';
import { dataHandlers } from './data/data.handlers';
import { dbHandlers, type DatabaseNodeOptions } from './db/db.handlers';
import { desktopHandlers, type DesktopNodeOptions } from './desktop/desktop.handlers';
import { ConfinedFolder } from './files/confined-folder';
import { fileHandlers } from './files/file.handlers';
import { delayHandler } from './flow/delay.handler';
import { createHttpHandler, type HttpNodeOptions } from './http/http.handler';
import { imapHandlers } from './mail/imap.handlers';
import type { MailNodeOptions } from './mail/mail-egress';
import { mailHandlers } from './mail/mail.handlers';
import { ocrHandlers } from './ocr/ocr.handlers';
import { pdfHandlers } from './pdf/pdf.handlers';
import { queueHandlers, type QueueNodeOptions } from './queue/queue.handlers';
import { xlsxHandlers } from './xlsx/xlsx.handlers';

export interface NodeHandlersOptions {
  /**
   * The only folder file nodes (and `file` params of `browser.upload`, `data.csvParse`,
   * desktop images) may touch. Paths in params are relative to it.
   */
  readonly filesRoot: string;
  readonly http?: HttpNodeOptions;
  /** Desktop node options; `false` leaves the `desktop.*` types out (robots without a display). */
  readonly desktop?: DesktopNodeOptions | false;
  /** The database pool of `db.*` nodes (without one they fail on this robot); its lifetime stays the caller's. */
  readonly databases?: DatabaseNodeOptions;
  /** Where `mail.*` nodes may connect (SMTP and IMAP servers). Default: anywhere. */
  readonly mail?: MailNodeOptions;
  /** How `queue.*` nodes reach the queue keeper (without a client they fail on this robot). */
  readonly queues?: QueueNodeOptions;
}

/** Node type → handler, plus `close()` for what the handlers hold (the HTTP agent's sockets, the OCR worker). */
export interface NodeHandlerTable extends ReadonlyMap<string, NodeHandler> {
  close(): Promise<void>;
}

/** Every node type the robot runs, as an explicit table. Control nodes are the engine's and absent. */
export function createNodeHandlers(options: NodeHandlersOptions): NodeHandlerTable {
  const folder = new ConfinedFolder(options.filesRoot);
  const http = createHttpHandler(options.http);
  // One OCR worker for the robot, started by the first OCR step and kept until the robot stops.
  const ocr = new OcrEngine();
  const handlers: NodeHandler[] = [
    ...browserHandlers(folder),
    ...(options.desktop === false ? [] : desktopHandlers(folder, options.desktop)),
    http,
    ...dataHandlers(folder),
    ...collectionHandlers(),
    ...fileHandlers(folder),
    ...xlsxHandlers(folder),
    ...dbHandlers(options.databases),
    ...pdfHandlers(folder, ocr),
    ...ocrHandlers(folder, ocr),
    ...mailHandlers(folder, options.mail),
    ...imapHandlers(options.mail),
    ...queueHandlers(options.queues),
    delayHandler,
  ];
  const table = new Map<string, NodeHandler>();
  for (const handler of handlers) {
    if (table.has(handler.type)) throw new Error(`Two handlers implement ${handler.type}`);
    table.set(handler.type, handler);
  }
  return Object.assign(table, {
    close: async () => {
      await Promise.all([http.close(), ocr.close()]);
    },
  });
}
