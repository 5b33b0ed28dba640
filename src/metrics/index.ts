export { BrokerMetrics } from './broker-metrics';
