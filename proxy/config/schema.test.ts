import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA } from './schema.ts';

/** Every subschema with its JSON pointer. */
function* subschemas(node: unknown, pointer = '#'): Generator<[string, Record<string, unknown>]> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const schema = node as Record<string, unknown>;
  yield [pointer, schema];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
        yield* subschemas(child, `${pointer}/properties/${name}`);
      }
    } else if (key === 'items' || key === 'additionalProperties' || key === 'propertyNames') {
      yield* subschemas(value, `${pointer}/${key}`);
    } else if (key === 'oneOf') {
      for (const [index, branch] of (value as unknown[]).entries()) yield* subschemas(branch, `${pointer}/oneOf/${index}`);
    }
  }
}

describe('CONFIG_SCHEMA', () => {
  it('compiles as strict draft-07 with only the x-expected and x-bounds annotations added', () => {
    const ajv = new Ajv({ strict: true });
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-bounds', schemaType: 'string' });
    expect(() => ajv.compile(CONFIG_SCHEMA)).not.toThrow();
  });

  it('rejects unknown keys in every mapping, policy criteria included', () => {
    const objects = [...subschemas(CONFIG_SCHEMA)].filter(([, schema]) => schema.type === 'object');
    expect(objects.length).toBeGreaterThan(8);
    const pointers = objects.map(([pointer]) => pointer);
    for (const typed of ['allow/items', 'require', 'require/properties/posture', 'require/properties/posture/properties/osMinVersion', 'require/properties/posture/properties/screenLock/oneOf/1']) {
      expect(pointers).toContain(`#/properties/policies/additionalProperties/properties/${typed}`);
    }
    for (const [pointer, schema] of objects) {
      if (pointer === '#/properties/policies') {
        // a map of policies: any name that passes propertyNames, each value a strict policy
        expect(schema.propertyNames).toBeDefined();
        expect((schema.additionalProperties as Record<string, unknown>).additionalProperties).toBe(false);
        continue;
      }
      // An app's inline OpenAPI document is not config: the resolver checks it as OpenAPI 3.
      if (pointer === '#/properties/apps/items/properties/http/properties/openapi/oneOf/1') continue;
      expect(schema.additionalProperties, pointer).toBe(false);
    }
  });

  it('documents every property', () => {
    for (const [pointer, schema] of subschemas(CONFIG_SCHEMA)) {
      if (!/\/properties\/[^/]+$/.test(pointer)) continue;
      expect(typeof schema.description, pointer).toBe('string');
    }
  });

  it('is plain JSON (it becomes the config reference)', () => {
    expect(JSON.parse(JSON.stringify(CONFIG_SCHEMA))).toEqual(CONFIG_SCHEMA);
  });
});
