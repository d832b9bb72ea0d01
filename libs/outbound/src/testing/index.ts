export { TestSubscriber, acceptedByJob, type SubscriberMode } from './subscriber';
