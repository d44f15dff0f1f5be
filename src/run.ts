/** Action entry: no logic here (release-drafter's run.ts). main() decides; one catch reports. */
import * as core from '@actions/core';
import { main } from './main';
import { oneLineError } from './report/errors';

main().catch((err: unknown) => {
  core.setFailed(oneLineError(err));
});
