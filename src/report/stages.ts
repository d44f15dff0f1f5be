/**
 * Where a run's start-up time goes: one debug line per stage (`::debug::`, shown only with step
 * debug logging on), timed from the process start, so the benchmark can break the run down into
 * bundle load, inputs, gate, context, prompt, agent preparation and publishing.
 */
import * as core from '@actions/core';

export function markStage(stage: string): void {
  core.debug(`claude-relay stage ${stage} at ${Math.round(performance.now())} ms`);
}
