/** One change of a scaled service's count (or range), as Application Auto Scaling's scaling activities. */
export interface ScalingActivity {
  id: string;
  startedAt: string;
  cause: string;
  fromCount: number;
  toCount: number;
  /** The target tracking policy or scheduled action that decided; absent for a range clamp by PATCH. */
  policy?: string;
}
