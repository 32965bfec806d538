/**
 * The schema validators of every route: one Ajv for bodies, which never
 * coerces a JSON type into another (`12345` is not a name, `true` is not a
 * number of days, `["admin"]` is not a role), and one for the URL parts
 * (path parameters, query string, headers), which arrive as text and may
 * be read as numbers. Both keep unknown properties so that schemas that
 * forbid them can refuse them.
 */
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const shared: Options = { useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false };

function build(options: Options): Ajv {
  const ajv = new Ajv({ ...shared, ...options });
  addFormats.default(ajv);
  return ajv;
}

export function schemaValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodies = build({ coerceTypes: false });
  const urlParts = build({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : urlParts).compile(schema as object);
}

/** Control characters (C0, DEL, C1), NUL included: refused in every text that reaches the database. */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

interface SchemaFailure {
  message: string;
  validation?: { keyword: string; instancePath: string; params: Record<string, unknown> }[];
  validationContext?: string;
}

/** The VALIDATION_FAILED message of a schema failure, in words for the control-character rule. */
export function describeSchemaFailure(failure: SchemaFailure): string {
  const control = failure.validation?.find((e) => e.keyword === 'pattern' && e.params.pattern === NO_CONTROL_CHARACTERS);
  if (control) {
    return `Invalid request: ${failure.validationContext ?? 'body'}${control.instancePath} must not contain control characters.`;
  }
  return `Invalid request: ${failure.message}.`;
}
