import { randomInt } from 'node:crypto';
import type { DemoOrder } from './types';
import type { OrderField } from './variants';

export const PRODUCTS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'widget', label: 'Widget' },
  { value: 'gadget', label: 'Gadget' },
  { value: 'gizmo', label: 'Gizmo' },
  { value: 'doohickey', label: 'Doohickey' },
];

export function productLabel(value: string): string {
  return PRODUCTS.find((product) => product.value === value)?.label ?? value;
}

/** Raw form values as posted; `undefined` when the field was not sent at all. */
export type OrderInput = Partial<Record<OrderField, string>>;

export type OrderDraft = Omit<DemoOrder, 'id' | 'confirmationNumber' | 'createdAt'>;

export type OrderErrors = Partial<Record<OrderField, string>>;

export type OrderValidation = { ok: true; draft: OrderDraft } | { ok: false; errors: OrderErrors };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function validateOrder(input: OrderInput): OrderValidation {
  const errors: OrderErrors = {};
  const customer = (input.customer ?? '').trim();
  const email = (input.email ?? '').trim();
  const product = input.product ?? '';
  const quantityText = (input.quantity ?? '').trim();
  const deliveryDate = (input.deliveryDate ?? '').trim();
  const shipping = input.shipping === 'standard' || input.shipping === 'express' ? input.shipping : undefined;
  const notes = input.notes ?? '';

  if (customer === '') errors.customer = 'Customer name is required';
  else if (customer.length > 100) errors.customer = 'Customer name must be at most 100 characters';

  if (email === '') errors.email = 'Email is required';
  else if (email.length > 254 || !EMAIL.test(email)) errors.email = 'Enter a valid email address';

  if (!PRODUCTS.some((candidate) => candidate.value === product)) errors.product = 'Choose a product';

  const quantity = Number(quantityText);
  if (quantityText === '') errors.quantity = 'Quantity is required';
  else if (!/^\d+$/.test(quantityText) || quantity < 1 || quantity > 999) {
    errors.quantity = 'Quantity must be a whole number from 1 to 999';
  }

  if (deliveryDate === '') errors.deliveryDate = 'Delivery date is required';
  else if (!isCalendarDate(deliveryDate)) errors.deliveryDate = 'Enter a valid date as YYYY-MM-DD';

  if (shipping === undefined) errors.shipping = 'Choose a shipping method';

  if (notes.length > 1000) errors.notes = 'Notes must be at most 1000 characters';

  if (shipping === undefined || Object.keys(errors).length > 0) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    draft: {
      customer,
      email,
      product,
      quantity,
      deliveryDate,
      shipping,
      giftWrap: input.giftWrap !== undefined,
      notes,
    },
  };
}

const CONFIRMATION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomConfirmationNumber(): string {
  let suffix = '';
  for (let index = 0; index < 8; index++)
    suffix += CONFIRMATION_ALPHABET[randomInt(CONFIRMATION_ALPHABET.length)];
  return `AE-${suffix}`;
}

export interface OrderPage {
  rows: ReadonlyArray<DemoOrder>;
  /** 1-based, clamped to the pages that exist. */
  page: number;
  totalPages: number;
  total: number;
}

/** Orders kept in the order they were placed, so pages stay stable as new orders arrive. */
export class OrderStore {
  private readonly placed: DemoOrder[] = [];
  private readonly confirmationNumbers = new Set<string>();

  place(draft: OrderDraft, now: Date = new Date()): DemoOrder {
    let confirmationNumber = randomConfirmationNumber();
    while (this.confirmationNumbers.has(confirmationNumber)) confirmationNumber = randomConfirmationNumber();
    this.confirmationNumbers.add(confirmationNumber);
    const order: DemoOrder = {
      id: String(this.placed.length + 1),
      confirmationNumber,
      ...draft,
      createdAt: now.toISOString(),
    };
    this.placed.push(order);
    return order;
  }

  find(id: string): DemoOrder | undefined {
    return this.placed.find((order) => order.id === id);
  }

  all(): ReadonlyArray<DemoOrder> {
    return [...this.placed];
  }

  page(requested: number, pageSize: number): OrderPage {
    const total = this.placed.length;
    const totalPages = Math.max(1, Math.ceil(total / pageSize));
    const page = Math.min(Math.max(1, Math.floor(requested) || 1), totalPages);
    const start = (page - 1) * pageSize;
    return { rows: this.placed.slice(start, start + pageSize), page, totalPages, total };
  }
}

const CSV_COLUMNS: ReadonlyArray<keyof DemoOrder> = [
  'id',
  'confirmationNumber',
  'customer',
  'email',
  'product',
  'quantity',
  'deliveryDate',
  'shipping',
  'giftWrap',
  'notes',
  'createdAt',
];

function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: CRLF line ends, fields quoted only when they need it. */
export function ordersToCsv(orders: ReadonlyArray<DemoOrder>): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const order of orders) lines.push(CSV_COLUMNS.map((column) => csvField(order[column])).join(','));
  return lines.map((line) => `${line}\r\n`).join('');
}
