import type { DemoVariant } from './types';

export const DEMO_VARIANTS: ReadonlyArray<DemoVariant> = ['v1', 'v2-renamed', 'v3-broken'];

export function isDemoVariant(value: unknown): value is DemoVariant {
  return typeof value === 'string' && (DEMO_VARIANTS as ReadonlyArray<string>).includes(value);
}

export interface ButtonMarkup {
  id: string;
  className: string;
  text: string;
}

export interface FieldMarkup {
  id: string;
  name: string;
}

export interface LoginMarkup {
  formId: string;
  username: FieldMarkup;
  password: FieldMarkup;
  /** Absent in `v3-broken`: nothing submits the form. */
  submit?: ButtonMarkup;
  /** Look-alike `type="button"` buttons placed in the page header. */
  headerDecoys: ReadonlyArray<ButtonMarkup>;
  /** Look-alike `type="button"` buttons placed where the submit button belongs. */
  formDecoys: ReadonlyArray<ButtonMarkup>;
  errorClass: string;
  /** Class of an extra `div` around each label and input; absent means no wrapper. */
  fieldWrapperClass?: string;
}

export type OrderField =
  'customer' | 'email' | 'product' | 'quantity' | 'deliveryDate' | 'shipping' | 'giftWrap' | 'notes';

export interface OrderFormMarkup {
  formId: string;
  fields: Record<Exclude<OrderField, 'shipping'>, FieldMarkup>;
  shipping: { name: string; standardId: string; expressId: string };
  submit: ButtonMarkup;
  errorClass: string;
  summaryClass: string;
  fieldWrapperClass?: string;
}

const V1_LOGIN: LoginMarkup = {
  formId: 'login-form',
  username: { id: 'username', name: 'username' },
  password: { id: 'password', name: 'password' },
  submit: { id: 'login-button', className: 'btn btn-primary', text: 'Sign in' },
  headerDecoys: [],
  formDecoys: [],
  errorClass: 'alert alert-error',
};

const V2_LOGIN: LoginMarkup = {
  formId: 'frm-8e21',
  username: { id: 'user-login-x7f3', name: 'user_login' },
  password: { id: 'pw-b41c', name: 'user_secret' },
  submit: { id: 'btn-3a9c', className: 'c-btn-3a9c c-btn--primary-e2d0', text: 'Log in' },
  headerDecoys: [{ id: 'btn-sso-5d1b', className: 'c-btn-3a9c c-btn--ghost-71fa', text: 'Sign in with SSO' }],
  formDecoys: [],
  errorClass: 'c-alert-4f0e c-alert--danger-91ab',
  fieldWrapperClass: 'c-field-0b7d',
};

const V3_LOGIN: LoginMarkup = {
  ...V2_LOGIN,
  submit: undefined,
  headerDecoys: [],
  formDecoys: [
    { id: 'btn-guest-2c6e', className: 'c-btn-3a9c c-btn--primary-e2d0', text: 'Sign in as guest' },
    { id: 'btn-sso-9f40', className: 'c-btn-3a9c c-btn--primary-e2d0', text: 'Sign in with SSO' },
  ],
};

const V1_ORDER_FORM: OrderFormMarkup = {
  formId: 'order-form',
  fields: {
    customer: { id: 'customer', name: 'customer' },
    email: { id: 'email', name: 'email' },
    product: { id: 'product', name: 'product' },
    quantity: { id: 'quantity', name: 'quantity' },
    deliveryDate: { id: 'delivery-date', name: 'deliveryDate' },
    giftWrap: { id: 'gift-wrap', name: 'giftWrap' },
    notes: { id: 'notes', name: 'notes' },
  },
  shipping: { name: 'shipping', standardId: 'shipping-standard', expressId: 'shipping-express' },
  submit: { id: 'submit-order', className: 'btn btn-primary', text: 'Place order' },
  errorClass: 'field-error',
  summaryClass: 'alert alert-error',
};

const V2_ORDER_FORM: OrderFormMarkup = {
  formId: 'frm-c2d9',
  fields: {
    customer: { id: 'fld-1a7e', name: 'cust_name' },
    email: { id: 'fld-5b20', name: 'contact_email' },
    product: { id: 'fld-9c44', name: 'item' },
    quantity: { id: 'fld-3e81', name: 'qty' },
    deliveryDate: { id: 'fld-7d0f', name: 'ship_date' },
    giftWrap: { id: 'fld-e6b3', name: 'wrap' },
    notes: { id: 'fld-0f5a', name: 'comments' },
  },
  shipping: { name: 'ship_method', standardId: 'opt-4b2a', expressId: 'opt-8e1c' },
  submit: { id: 'btn-77e0', className: 'c-btn-3a9c c-btn--primary-e2d0', text: 'Submit order' },
  errorClass: 'c-err-6d3f',
  summaryClass: 'c-alert-4f0e c-alert--danger-91ab',
  fieldWrapperClass: 'c-field-0b7d',
};

export function loginMarkup(variant: DemoVariant): LoginMarkup {
  switch (variant) {
    case 'v1':
      return V1_LOGIN;
    case 'v2-renamed':
      return V2_LOGIN;
    case 'v3-broken':
      return V3_LOGIN;
    default: {
      const _exhaustive: never = variant;
      return _exhaustive;
    }
  }
}

export function orderFormMarkup(variant: DemoVariant): OrderFormMarkup {
  switch (variant) {
    case 'v1':
      return V1_ORDER_FORM;
    case 'v2-renamed':
    case 'v3-broken':
      return V2_ORDER_FORM;
    default: {
      const _exhaustive: never = variant;
      return _exhaustive;
    }
  }
}

// Posts are accepted under every variant's field names, because the variant may
// switch between rendering a form and submitting it.
function firstPresent(form: URLSearchParams, names: ReadonlyArray<string>): string | undefined {
  for (const name of names) {
    const value = form.get(name);
    if (value !== null) return value;
  }
  return undefined;
}

export function readLoginField(form: URLSearchParams, field: 'username' | 'password'): string {
  return (
    firstPresent(
      form,
      DEMO_VARIANTS.map((variant) => loginMarkup(variant)[field].name),
    ) ?? ''
  );
}

export function readOrderField(form: URLSearchParams, field: OrderField): string | undefined {
  const names = DEMO_VARIANTS.map((variant) => {
    const markup = orderFormMarkup(variant);
    return field === 'shipping' ? markup.shipping.name : markup.fields[field].name;
  });
  return firstPresent(form, names);
}
