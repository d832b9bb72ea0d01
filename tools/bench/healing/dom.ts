// htmlparser2's family is ESM-only; see libs/healing/src/lib/html-deps.ts for why the
// typed require() instead of a static import.
import type * as CssSelect from 'css-select' with { 'resolution-mode': 'import' };
import type * as DomHandler from 'domhandler' with { 'resolution-mode': 'import' };
import type * as DomSerializer from 'dom-serializer' with { 'resolution-mode': 'import' };
import type * as DomUtils from 'domutils' with { 'resolution-mode': 'import' };

export const { selectAll, selectOne } = require('css-select') as typeof CssSelect;
export const { Element, Text, cloneNode, isTag, isText } = require('domhandler') as typeof DomHandler;
export const { append, appendChild, findAll, prepend, prependChild, removeElement, replaceElement } =
  require('domutils') as typeof DomUtils;
export const render = (require('dom-serializer') as typeof DomSerializer).default;
export type {
  AnyNode,
  ChildNode,
  Document,
  Element as DomElement,
  ParentNode,
  Text as DomText,
} from 'domhandler' with {
  'resolution-mode': 'import',
};
