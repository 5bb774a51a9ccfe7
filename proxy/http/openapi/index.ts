export { compileOpenApi, OPENAPI_DOCUMENT_MAX_BYTES, OPENAPI_OPERATIONS_MAX, type CompiledApi, type CompiledOperation } from './compile.ts';
export { OpenApiInspector, UNDECLARED_FIELDS_MAX } from './inspector.ts';
export { checkOpenApiDocument, httpSettings, OPENAPI_CACHE_MAX, OpenApiRegistry, type HttpValidationSettings } from './registry.ts';
export { OpenApiError, undeclaredFields } from './schema.ts';
export { validateRequest, type Violation } from './validate.ts';
