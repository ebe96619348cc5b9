/**
 * Fargate's task size table (ECS developer guide, "Task CPU and memory"). Memory in MiB per CPU unit value.
 */
const fargateMemoryByCpu: ReadonlyMap<number, { min: number; max: number; step: number; extra?: number[] }> =
  new Map([
    [256, { min: 1024, max: 2048, step: 1024, extra: [512] }],
    [512, { min: 1024, max: 4096, step: 1024 }],
    [1024, { min: 2048, max: 8192, step: 1024 }],
    [2048, { min: 4096, max: 16384, step: 1024 }],
    [4096, { min: 8192, max: 30720, step: 1024 }],
    [8192, { min: 16384, max: 61440, step: 4096 }],
    [16384, { min: 32768, max: 122880, step: 8192 }],
  ]);

export const isValidFargateSize = (cpu: number, memory: number): boolean => {
  const row = fargateMemoryByCpu.get(cpu);
  if (!row) return false;
  if (row.extra?.includes(memory)) return true;
  return memory >= row.min && memory <= row.max && (memory - row.min) % row.step === 0;
};

/**
 * ECS accepts task cpu as CPU units ("1024") or vCPU ("1 vCPU", "0.25 vcpu") and memory as MiB ("2048") or GB
 * ("2 GB"), and stores the integer form. Returns undefined for text it cannot read.
 */
export const parseTaskCpu = (value: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return match[2] ? Math.round(amount * 1024) : Number.isInteger(amount) ? amount : undefined;
};

export const parseTaskMemory = (value: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return match[2] ? Math.round(amount * 1024) : Number.isInteger(amount) ? amount : undefined;
};
