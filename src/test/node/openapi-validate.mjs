// Validates the hub's OpenAPI document with a standard validator (@apidevtools/swagger-parser:
// OpenAPI 3.1 schema, then $refs resolved) and prints its operations, one "METHOD /path" a line.
// Usage: node openapi-validate.mjs <path to openapi.yaml>
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  for (const [path, item] of Object.entries(api.paths ?? {})) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']) {
      if (item[method]) console.log(`${method.toUpperCase()} ${path}`);
    }
  }
} catch (e) {
  console.error(`INVALID ${file}: ${e.message}`);
  process.exit(1);
}
