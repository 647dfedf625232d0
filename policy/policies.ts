/**
 * The rule table of `rules.ts` as @pulumi/policy resource policies. Kept apart from
 * `index.ts` because constructing a PolicyPack starts the analyzer's gRPC server: this file
 * only imports types from @pulumi/policy, so tests can load it without the engine.
 */
import type { ResourceValidationPolicy } from '@pulumi/policy';
import { POLICIES, type PolicyRule } from './rules';

/** One resource policy per rule; each violation the rule returns is reported as is. */
export function toResourcePolicies(rules: readonly PolicyRule[]): ResourceValidationPolicy[] {
  return rules.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateResource: (args, reportViolation) => {
      for (const violation of rule.check(args.type, args.props, { protect: args.opts.protect })) reportViolation(violation);
    },
  }));
}

export const policies: ResourceValidationPolicy[] = toResourcePolicies(POLICIES);
