// htmlparser2 and its family ship as ES modules only. Node >= 20.19 loads them through
// require(), but TypeScript under the workspace's `module: commonjs` rejects a static
// import of an ES module (TS1479). Type-only imports plus one typed require each keep the
// full types without changing the workspace's module setting.
import type * as CssSelect from 'css-select' with { 'resolution-mode': 'import' };
import type * as DomHandler from 'domhandler' with { 'resolution-mode': 'import' };
import type * as DomUtils from 'domutils' with { 'resolution-mode': 'import' };
import type * as HtmlParser2 from 'htmlparser2' with { 'resolution-mode': 'import' };

export const { selectAll } = require('css-select') as typeof CssSelect;
export const { Element, isTag, isText } = require('domhandler') as typeof DomHandler;
export const { appendChild } = require('domutils') as typeof DomUtils;
export const { Parser, parseDocument } = require('htmlparser2') as typeof HtmlParser2;
export type { AnyNode, ChildNode, Document, Element as DomElement } from 'domhandler' with {
  'resolution-mode': 'import',
};
export type { Options as SelectOptions } from 'css-select' with { 'resolution-mode': 'import' };
export type { Handler } from 'htmlparser2' with { 'resolution-mode': 'import' };
