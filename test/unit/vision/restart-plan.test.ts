import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_RESTARTS, planRestart } from '../../../src/main/vision/vision-engine';

describe('planRestart', () => {
  const policy = DEFAULT_ENGINE_RESTARTS;

  it('pauses longer after each crash in the window, up to the cap, then rests', () => {
    const crashes: number[] = [];
    const plans = [0, 1, 2, 3, 4, 5].map((i) => planRestart(crashes, 1_000_000 + i * 1000, policy));
    expect(plans.slice(0, 5)).toEqual([250, 500, 1000, 2000, 4000].map((delayMs) => ({ action: 'restart', delayMs })));
    expect(plans[5]).toEqual({ action: 'rest', delayMs: 300_000, crashes: 6 });
  });

  it('caps the pause', () => {
    const crashes: number[] = [];
    const many = { ...policy, max: 20 };
    let last = planRestart(crashes, 0, many);
    for (let i = 1; i < 10; i++) last = planRestart(crashes, i, many);
    expect(last).toEqual({ action: 'restart', delayMs: 8000 });
  });

  it('forgets crashes older than the window, so a kiosk that crashes once a day restarts at once', () => {
    const crashes: number[] = [];
    for (let day = 0; day < 10; day++) {
      expect(planRestart(crashes, day * 86_400_000, policy)).toEqual({ action: 'restart', delayMs: 250 });
    }
    expect(crashes).toHaveLength(1);
  });
});
