export type { DemoOrder, DemoSite, DemoSiteOptions, DemoVariant } from './types';
export { startDemoSite } from './server';
