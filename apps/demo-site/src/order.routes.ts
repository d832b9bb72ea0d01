import { errorPage } from './html';
import { htmlReply, readForm, redirect } from './http';
import { confirmationView, DEFAULT_ORDER_INPUT, orderFormView, ordersView } from './order.views';
import { ordersToCsv, validateOrder, type OrderInput } from './orders';
import type { Route } from './routing';
import { orderFormMarkup, readOrderField, type OrderField } from './variants';

const ORDER_FIELDS: ReadonlyArray<OrderField> = [
  'customer',
  'email',
  'product',
  'quantity',
  'deliveryDate',
  'shipping',
  'giftWrap',
  'notes',
];

function readOrderInput(form: URLSearchParams): OrderInput {
  const input: OrderInput = {};
  for (const field of ORDER_FIELDS) {
    const value = readOrderField(form, field);
    if (value !== undefined) input[field] = value;
  }
  return input;
}

export const orderRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    path: '/orders/new',
    access: 'session',
    handle: ({ site }) =>
      htmlReply(200, orderFormView(orderFormMarkup(site.variant), DEFAULT_ORDER_INPUT, {})),
  },
  {
    method: 'POST',
    path: '/orders/new',
    access: 'session',
    handle: async ({ req, site }) => {
      const input = readOrderInput(await readForm(req));
      const result = validateOrder(input);
      if (!result.ok) {
        return htmlReply(422, orderFormView(orderFormMarkup(site.variant), input, result.errors));
      }
      const order = site.orders.place(result.draft);
      return redirect(`/orders/${order.id}/confirmation`);
    },
  },
  {
    method: 'GET',
    path: '/orders',
    access: 'session',
    handle: ({ site, url }) =>
      htmlReply(200, ordersView(site.orders.page(Number(url.searchParams.get('page') ?? 1), site.pageSize))),
  },
  {
    method: 'GET',
    path: '/orders/export.csv',
    access: 'session',
    handle: ({ site }) => ({
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="orders.csv"',
      },
      body: ordersToCsv(site.orders.all()),
    }),
  },
  {
    method: 'GET',
    path: /^\/orders\/(?<id>[^/]+)\/confirmation$/,
    access: 'session',
    handle: ({ site, params }) => {
      const order = site.orders.find(params.id);
      if (order === undefined) {
        return htmlReply(
          404,
          errorPage({ title: 'Order not found', message: `There is no order ${params.id}.` }),
        );
      }
      return htmlReply(200, confirmationView(order));
    },
  },
];
