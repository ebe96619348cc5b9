/**
 * The AWS service models of the services the local endpoints emulate, as botocore ships them (written by
 * scripts/service-models.ts, documentation stripped): operations, and shapes with their constraints. The
 * endpoints validate every request against them (validate.ts) and the conformance test holds every answer
 * to them.
 */
import { readFileSync } from 'node:fs';

/** Where each model sits under botocore's data folder. */
export const serviceModelFolders = {
  ecs: 'ecs/2014-11-13',
  elbv2: 'elbv2/2015-12-01',
  cloudwatch: 'cloudwatch/2010-08-01',
} as const;

export type ServiceName = keyof typeof serviceModelFolders;

export interface MemberRef {
  shape: string;
  locationName?: string;
  /** A timestamp member's own wire form (`iso8601`, `unixTimestamp`), over its shape's. */
  timestampFormat?: string;
}

export interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'double'
    | 'float'
    | 'boolean'
    | 'timestamp'
    | 'blob';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  flattened?: boolean;
  exception?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  timestampFormat?: string;
}

export interface Operation {
  name: string;
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  errors?: { shape: string }[];
}

export interface ServiceModel {
  metadata: { protocol: string; protocols?: string[]; apiVersion: string; targetPrefix?: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

const loaded = new Map<ServiceName, ServiceModel>();

export const serviceModel = (service: ServiceName): ServiceModel => {
  let model = loaded.get(service);
  if (!model) {
    model = JSON.parse(readFileSync(new URL(`./${service}.json`, import.meta.url), 'utf8')) as ServiceModel;
    loaded.set(service, model);
  }
  return model;
};

export const shapeOf = (model: ServiceModel, name: string): Shape => {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`the model has no shape ${name}`);
  return shape;
};

export const inputShape = (model: ServiceModel, operation: string): string | undefined =>
  model.operations[operation]?.input?.shape;

export const outputShape = (model: ServiceModel, operation: string): string | undefined =>
  model.operations[operation]?.output?.shape;

/** Patterns are Java regular expressions that must match the whole value; undefined if JS cannot run one. */
const patterns = new Map<string, RegExp | undefined>();
export const patternOf = (pattern: string): RegExp | undefined => {
  if (!patterns.has(pattern)) {
    let compiled: RegExp | undefined;
    // Unicode mode for \p{L}; without it for the few that escape what needs no escape (\_).
    for (const flags of ['u', '']) {
      try {
        compiled = new RegExp(`^(?:${pattern})$`, flags);
        break;
      } catch {
        compiled = undefined;
      }
    }
    patterns.set(pattern, compiled);
  }
  return patterns.get(pattern);
};
