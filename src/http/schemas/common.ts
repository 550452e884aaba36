/** Shared schema pieces: problem replies and the JSON query language as TypeBox schemas. */
import { Type } from 'typebox';
import { FILTER_OPS, GRANULARITIES, PRESETS } from '../../domain/query.js';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** A string enum as one JSON-schema `enum` (clean errors and OpenAPI), typed as its literal union. */
function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

export const FilterSchema = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 200 }),
    // Checked by the query parser, which answers UNKNOWN_OP naming the allowed operators.
    op: Type.String({ description: `One of: ${FILTER_OPS.join(', ')}` }),
    // No `type` keyword on purpose: with coerceTypes, AJV's anyOf coerced 10 and true into "10" and
    // "true" (the string branch came first), so number and boolean filters failed. The query parser
    // checks the value against the field's type and names the path.
    value: Type.Optional(
      Type.Unsafe<string | number | boolean | null | Array<string | number | boolean>>({
        description: 'A string, number, boolean or null; for in/nin an array of up to 1,000 of them',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TimeRangeSchema = Type.Union([
  Type.Object({ preset: StringEnum(PRESETS) }, { additionalProperties: false }),
  Type.Object({ from: Type.String(), to: Type.String() }, { additionalProperties: false }),
]);

export const QuerySchema = Type.Object(
  {
    metrics: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50 }),
    dimensions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 10 })),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 50 })),
    timeRange: Type.Optional(TimeRangeSchema),
    granularity: Type.Optional(StringEnum([...GRANULARITIES, 'auto'] as const)),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    compare: Type.Optional(
      Type.Union([
        Type.Literal('previous_period'),
        Type.Literal('previous_year'),
        Type.Object({ from: Type.String(), to: Type.String() }, { additionalProperties: false }),
      ]),
    ),
    fill: Type.Optional(StringEnum(['zero', 'null', 'none'] as const)),
    order: Type.Optional(
      Type.Array(
        Type.Object({ by: Type.String(), dir: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])) }, { additionalProperties: false }),
        { maxItems: 10 },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'A query in the JSON query language (API.md "Query")' },
);

export const QueryResultSchema = Type.Object(
  {
    columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
    rows: Type.Array(Type.Object({}, { additionalProperties: true })),
    meta: Type.Object({}, { additionalProperties: true }),
  },
  { description: 'Query result: row keys are the column names' },
);

export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
} as const;
