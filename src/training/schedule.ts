// Learning-rate schedules, as in HuggingFace Trainer: linear warmup from 0, then constant, linear decay to 0,
// or cosine decay to 0. The rate depends only on the global step, so a resumed run continues the same curve.
import type { LrSchedule } from './config';

export function learningRateAt(step: number, peak: number, schedule: LrSchedule, warmupSteps: number, totalSteps: number): number {
  if (warmupSteps > 0 && step < warmupSteps) {
    return (peak * (step + 1)) / warmupSteps;
  }
  if (schedule === 'constant') {
    return peak;
  }
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  if (schedule === 'linear') {
    return peak * (1 - progress);
  }
  return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
}
