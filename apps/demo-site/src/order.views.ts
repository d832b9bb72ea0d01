import { html, page, wrapField, type SafeHtml } from './html';
import { PRODUCTS, productLabel, type OrderErrors, type OrderInput, type OrderPage } from './orders';
import type { DemoOrder } from './types';
import type { OrderField, OrderFormMarkup } from './variants';

export const DEFAULT_ORDER_INPUT: OrderInput = { quantity: '1', shipping: 'standard' };

const SHIPPING_LABELS: Record<DemoOrder['shipping'], string> = {
  standard: 'Standard (3–5 business days)',
  express: 'Express (next business day)',
};

export function orderFormView(markup: OrderFormMarkup, values: OrderInput, errors: OrderErrors): string {
  const { fields, shipping } = markup;
  const errorCount = Object.keys(errors).length;

  const fieldError = (field: OrderField, describedId: string): SafeHtml | false => {
    const message = errors[field];
    return (
      message !== undefined &&
      html`<span class="${markup.errorClass}" data-field="${field}" id="${describedId}-error">${message}</span>`
    );
  };
  // Marks an invalid control for assistive technology and points it at its message.
  const invalid = (field: OrderField, id: string): SafeHtml | false =>
    errors[field] !== undefined && html` aria-invalid="true" aria-describedby="${id}-error"`;
  const row = (field: Exclude<OrderField, 'shipping'>, label: string, control: SafeHtml): SafeHtml =>
    wrapField(
      markup.fieldWrapperClass,
      html`<label for="${fields[field].id}">${label}</label>
  ${control}
  ${fieldError(field, fields[field].id)}`,
    );
  const attributes = (field: Exclude<OrderField, 'shipping'>): SafeHtml =>
    html`id="${fields[field].id}" name="${fields[field].name}"${invalid(field, fields[field].id)}`;

  const body = html`<h1>New order</h1>
${errorCount > 0 && html`<div class="${markup.summaryClass}" role="alert">Please correct the ${errorCount} highlighted ${errorCount === 1 ? 'field' : 'fields'}.</div>`}
<form id="${markup.formId}" method="post" action="/orders/new" novalidate>
  ${row('customer', 'Customer name', html`<input type="text" ${attributes('customer')} value="${values.customer ?? ''}" maxlength="100" autocomplete="name" required>`)}
  ${row('email', 'Email', html`<input type="email" ${attributes('email')} value="${values.email ?? ''}" autocomplete="email" required>`)}
  ${row(
    'product',
    'Product',
    html`<select ${attributes('product')} required>
    <option value="">Choose a product…</option>
    ${PRODUCTS.map((product) => html`<option value="${product.value}"${product.value === values.product && html` selected`}>${product.label}</option>`)}
  </select>`,
  )}
  ${row('quantity', 'Quantity', html`<input type="number" ${attributes('quantity')} value="${values.quantity ?? ''}" min="1" max="999" step="1" required>`)}
  ${row('deliveryDate', 'Delivery date', html`<input type="date" ${attributes('deliveryDate')} value="${values.deliveryDate ?? ''}" required>`)}
  ${wrapField(
    markup.fieldWrapperClass,
    html`<fieldset>
    <legend>Shipping</legend>
    <input type="radio" id="${shipping.standardId}" name="${shipping.name}" value="standard"${values.shipping === 'standard' && html` checked`}>
    <label for="${shipping.standardId}">${SHIPPING_LABELS.standard}</label>
    <input type="radio" id="${shipping.expressId}" name="${shipping.name}" value="express"${values.shipping === 'express' && html` checked`}>
    <label for="${shipping.expressId}">${SHIPPING_LABELS.express}</label>
    ${fieldError('shipping', shipping.standardId)}
  </fieldset>`,
  )}
  ${wrapField(
    markup.fieldWrapperClass,
    html`<input type="checkbox" ${attributes('giftWrap')} value="yes"${values.giftWrap !== undefined && html` checked`}>
  <label class="inline" for="${fields.giftWrap.id}">Gift wrap</label>`,
  )}
  ${row('notes', 'Notes', html`<textarea ${attributes('notes')} rows="4" maxlength="1000">${values.notes ?? ''}</textarea>`)}
  <button type="submit" id="${markup.submit.id}" class="${markup.submit.className}">${markup.submit.text}</button>
</form>`;
  return page({ title: 'New order', body, signedIn: true });
}

export function confirmationView(order: DemoOrder): string {
  const body = html`<h1>Order placed</h1>
<p>Thank you! Your confirmation number is <span id="confirmation-number">${order.confirmationNumber}</span>.</p>
<dl id="order-summary">
  <dt>Customer</dt><dd id="summary-customer">${order.customer}</dd>
  <dt>Email</dt><dd id="summary-email">${order.email}</dd>
  <dt>Product</dt><dd id="summary-product" data-value="${order.product}">${productLabel(order.product)}</dd>
  <dt>Quantity</dt><dd id="summary-quantity">${order.quantity}</dd>
  <dt>Delivery date</dt><dd id="summary-delivery-date">${order.deliveryDate}</dd>
  <dt>Shipping</dt><dd id="summary-shipping" data-value="${order.shipping}">${SHIPPING_LABELS[order.shipping]}</dd>
  <dt>Gift wrap</dt><dd id="summary-gift-wrap">${order.giftWrap ? 'Yes' : 'No'}</dd>
  <dt>Notes</dt><dd id="summary-notes">${order.notes === '' ? '—' : order.notes}</dd>
</dl>
<p><a id="orders-link" href="/orders">View all orders</a> · <a id="new-order-link" href="/orders/new">Place another order</a></p>`;
  return page({ title: `Order ${order.confirmationNumber}`, body, signedIn: true });
}

function orderRow(order: DemoOrder): SafeHtml {
  return html`<tr class="order-row" data-order-id="${order.id}">
    <td class="col-confirmation"><a href="/orders/${order.id}/confirmation">${order.confirmationNumber}</a></td>
    <td class="col-customer">${order.customer}</td>
    <td class="col-product">${productLabel(order.product)}</td>
    <td class="col-quantity">${order.quantity}</td>
    <td class="col-shipping">${order.shipping}</td>
    <td class="col-created"><time datetime="${order.createdAt}">${order.createdAt.slice(0, 16).replace('T', ' ')} UTC</time></td>
  </tr>`;
}

export function ordersView({ rows, page: current, totalPages, total }: OrderPage): string {
  const body = html`<h1>Orders</h1>
<p><span id="orders-count">${total}</span> orders · page <span id="page-number">${current}</span> of <span id="page-count">${totalPages}</span> · <a id="export-csv" href="/orders/export.csv" download>Export CSV</a></p>
<table id="orders-table">
  <thead>
    <tr><th scope="col">Confirmation</th><th scope="col">Customer</th><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Shipping</th><th scope="col">Created</th></tr>
  </thead>
  <tbody>
  ${rows.length === 0 ? html`<tr class="empty-row"><td colspan="6">No orders yet.</td></tr>` : rows.map(orderRow)}
  </tbody>
</table>
<nav class="pagination" aria-label="Pagination">
  ${current > 1 && html`<a class="page-prev" rel="prev" href="/orders?page=${current - 1}">Previous</a>`}
  ${current < totalPages && html`<a class="page-next" rel="next" href="/orders?page=${current + 1}">Next</a>`}
</nav>`;
  return page({ title: 'Orders', body, signedIn: true });
}
