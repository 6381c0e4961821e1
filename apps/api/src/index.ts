export { createApi, ADMIN_QUEUES_PATH, type Api, type CreateApiOptions } from './create-api.js';
export {
  apiConfigSchema,
  API_ENVIRONMENT_VARIABLES,
  createConfig,
  isLoopbackHost,
  loadConfig,
  type ApiConfig,
  type ApiConfigInput,
} from './config.js';
export { HttpError, type ErrorBody, type ErrorDetail } from './http-error.js';
export { checkInputImage } from './input-image.js';
export { createOpenApiDocument } from './openapi.js';
