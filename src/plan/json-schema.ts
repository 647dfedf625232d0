/**
 * The JSON Schema of a stack file (`stacks/Pulumi.<variant>.yaml`), generated from the
 * plan schema so editors (the YAML language server) check stack files as you type.
 * `npm run schema` writes it to stacks/stack-config.schema.json; a test keeps it current.
 */
import { z } from 'zod';
import { DEPLOYMENT_KEY_SCHEMAS, DEPLOYMENT_KEYS } from './deployment';
import { PLAN_KEY, PROJECT, ROLE_KEY } from './load';
import { soakPlan } from './schema';

/** A value `pulumi config set --secret` wrote: encrypted, so any deployment key may hold it. */
const ENCRYPTED_VALUE = {
  type: 'object',
  description: 'A value set with pulumi config set --secret: encrypted by the stack\'s secrets provider.',
  required: ['secure'],
  additionalProperties: false,
  properties: { secure: { type: 'string' } },
};

export function stackConfigJsonSchema(): Record<string, unknown> {
  const plan = z.toJSONSchema(soakPlan, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete plan.$schema;
  // The loader fills in the namespace (numaflow-<stack name>), so a stack file may leave it out.
  if (Array.isArray(plan.required)) plan.required = plan.required.filter((key) => key !== 'namespace');
  const planKey = `${PROJECT}:${PLAN_KEY}`;
  const roleKey = `${PROJECT}:${ROLE_KEY}`;
  const known = [planKey, ...DEPLOYMENT_KEYS.map((k) => `${PROJECT}:${k}`)];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/numaflow-soak/numaflow-soak/stacks/stack-config.schema.json',
    title: 'numaflow-soak Pulumi stack file',
    description: `A Pulumi stack file of the ${PROJECT} project: a variant, whose ${planKey} holds its soak plan, or the platform stack (${roleKey}: platform), which holds no plan.`,
    type: 'object',
    additionalProperties: false,
    required: ['config'],
    properties: {
      secretsprovider: { type: 'string' },
      encryptionsalt: { type: 'string' },
      environment: {},
      config: {
        type: 'object',
        // A variant needs a plan; the platform stack must not have one.
        if: { required: [roleKey], properties: { [roleKey]: { const: 'platform' } } },
        then: { not: { required: [planKey] } },
        else: { required: [planKey] },
        properties: {
          [planKey]: plan,
          ...Object.fromEntries(
            Object.entries(DEPLOYMENT_KEY_SCHEMAS).map(([key, schema]) => {
              const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
              delete json.$schema;
              const { description, default: byDefault, ...plain } = json;
              const values = Object.keys(plain).length === 1 && Array.isArray(plain.anyOf) ? plain.anyOf : [plain];
              return [`${PROJECT}:${key}`, { description, ...(byDefault !== undefined ? { default: byDefault } : {}), anyOf: [...values, ENCRYPTED_VALUE] }];
            }),
          ),
        },
        // Other projects' keys (kubernetes:context, ...) are fine; unknown keys of ours are typos.
        propertyNames: { anyOf: [{ enum: known }, { not: { pattern: `^${PROJECT}:` } }] },
      },
    },
  };
}

/** Deterministic text of the schema file. */
export function stackConfigJsonSchemaText(): string {
  return `${JSON.stringify(stackConfigJsonSchema(), null, 2)}\n`;
}
