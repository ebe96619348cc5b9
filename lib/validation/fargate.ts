/**
 * Fargate's valid task-level CPU/memory pairs, from the ECS developer guide's table
 * (CPU units -> allowed MiB). Shared by the API's validation and the local ECS endpoint.
 */
const range = (from: number, to: number, step: number): number[] => {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
};

export const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [256, new Set([512, 1024, 2048])],
  [512, new Set(range(1024, 4096, 1024))],
  [1024, new Set(range(2048, 8192, 1024))],
  [2048, new Set(range(4096, 16384, 1024))],
  [4096, new Set(range(8192, 30720, 1024))],
  [8192, new Set(range(16384, 61440, 4096))],
  [16384, new Set(range(32768, 122880, 8192))],
]);

export const isValidFargateCombination = (cpu: number, memory: number): boolean =>
  FARGATE_MEMORY_BY_CPU.get(cpu)?.has(memory) ?? false;

export const describeFargateMemoryFor = (cpu: number): string | undefined => {
  const allowed = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (!allowed) return undefined;
  const values = [...allowed];
  return values.length <= 3
    ? values.join(', ')
    : `${values[0]} to ${values.at(-1)} in steps of ${values[1]! - values[0]!}`;
};
