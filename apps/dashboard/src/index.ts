export {
  createDashboard,
  DEFAULT_PUBLIC_DIR,
  type CreateDashboardOptions,
  type Dashboard,
} from './create-dashboard.js';
export {
  createConfig,
  dashboardConfigSchema,
  DASHBOARD_ENVIRONMENT_VARIABLES,
  loadConfig,
  type DashboardConfig,
  type DashboardConfigInput,
} from './config.js';
export { HttpError, type ErrorBody, type ErrorDetail } from './http-error.js';
export type { VisualizationRequest } from './visualization-resolver.js';
