import * as z from 'zod';

/**
 * Environment, validated once at start-up: a misconfigured function fails on its first cold start
 * instead of on some later request.
 */
const configSchema = z.object({
  TUGBOAT_TABLE_NAME: z.string().min(3).max(255),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  TUGBOAT_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .default('000000000000'),
});

export interface TugboatConfig {
  tableName: string;
  region: string;
  accountId: string;
}

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): TugboatConfig => {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid Tugboat configuration: ${problems}`);
  }
  return {
    tableName: parsed.data.TUGBOAT_TABLE_NAME,
    region: parsed.data.AWS_REGION,
    accountId: parsed.data.TUGBOAT_ACCOUNT_ID,
  };
};
